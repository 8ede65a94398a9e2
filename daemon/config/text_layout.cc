#include "daemon/config/text_layout.h"

#include <set>

namespace hadirector::config::detail {
namespace {

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// "key:" followed by a space or the end of the line; the key alone, or empty if not one.
std::string_view plain_key(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && is_key_char(line[i])) ++i;
  if (i == 0 || i >= line.size() || line[i] != ':') return {};
  if (i + 1 < line.size() && line[i + 1] != ' ') return {};
  return line.substr(0, i);
}

// An anchor (&a) or alias (*a) could tie one piece to another, so their text alone would not
// say what they mean. Flagged wherever one could start a node (also inside quotes and plain
// scalars: a false alarm only costs the full parse).
bool may_hold_anchor(std::string_view text) {
  for (char sign : {'&', '*'}) {
    for (size_t i = text.find(sign); i != std::string_view::npos; i = text.find(sign, i + 1)) {
      const char before = i == 0 ? ' ' : text[i - 1];
      if (before == ' ' || before == '\n' || before == '[' || before == '{' || before == ',' ||
          before == '-')
        return true;
    }
  }
  return false;
}

size_t indentation(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  return i;
}

bool blank_or_comment(std::string_view line) {
  const size_t i = indentation(line);
  return i == line.size() || line[i] == '#';
}

// Header "virtual_servers:" with nothing after it but a comment.
bool opens_block_list(std::string_view line, std::string_view key) {
  std::string_view rest = line.substr(key.size() + 1);
  return blank_or_comment(rest);
}

// Cuts the lines of the virtual_servers section (after its header) into items; false when
// they are not a block list whose items all start with "- " at one indentation.
bool cut_items(const std::vector<TextSpan>& lines, std::string_view text, TextLayout& out) {
  size_t indent = 0;
  for (const TextSpan& span : lines) {
    std::string_view line = text.substr(span.begin, span.end - span.begin);
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (blank_or_comment(line)) {
      if (!out.vs_items.empty()) out.vs_items.back().end = span.end;
      continue;
    }
    const size_t at = indentation(line);
    if (out.vs_items.empty()) indent = at;
    if (at > indent && !out.vs_items.empty()) {
      out.vs_items.back().end = span.end;
      continue;
    }
    const bool item_start = at == indent && indent > 0 && line.size() > at + 2 &&
                            line[at] == '-' && line[at + 1] == ' ' && line[at + 2] != ' ' &&
                            line[at + 2] != '#';
    if (!item_start) return false;
    out.vs_items.push_back(span);
  }
  return !out.vs_items.empty();
}

// "- x" at column `at`: a block item start whose content is on its line.
bool item_start_at(std::string_view line, size_t at) {
  return line.size() > at + 2 && indentation(line) == at && line[at] == '-' &&
         line[at + 1] == ' ' && line[at + 2] != ' ' && line[at + 2] != '#';
}

// A real-server item is reused by its text alone, so its lines must mean the same wherever
// they stand: no quoted or block scalar, and each flow collection closed on its own line, so
// that nothing runs over into other lines.
bool self_contained(std::string_view item) {
  if (item.find_first_of("\"'|>") != std::string_view::npos) return false;
  int depth = 0;
  for (char c : item) {
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (depth < 0 || (c == '\n' && depth != 0)) return false;
  }
  return depth == 0;
}

// Only blank and comment lines from `from` on.
bool only_trailing(std::string_view text, size_t from) {
  while (from < text.size()) {
    size_t nl = text.find('\n', from);
    if (nl == std::string_view::npos) nl = text.size();
    if (!blank_or_comment(text.substr(from, nl - from))) return false;
    from = nl + 1;
  }
  return true;
}

}  // namespace

std::optional<std::vector<TextSpan>> scan_real_servers(std::string_view item) {
  const size_t keys = indentation(item) + 2;  // the item's own keys, after its "- "
  std::vector<TextSpan> out;
  size_t list = 0;  // column of the list's "- "
  bool in_list = false;
  size_t pos = item.find('\n');
  int line_no = 0;
  while (pos != std::string_view::npos && pos + 1 < item.size()) {
    const size_t begin = pos + 1;
    pos = item.find('\n', begin);
    const size_t end = pos == std::string_view::npos ? item.size() : pos + 1;
    const size_t stop = pos == std::string_view::npos ? end : pos;
    const std::string_view line = item.substr(begin, stop - begin);
    ++line_no;
    if (!in_list) {
      if (indentation(line) == keys && plain_key(line.substr(keys)) == "real_servers" &&
          line.size() == keys + std::string_view("real_servers:").size())
        in_list = true;
      continue;
    }
    if (blank_or_comment(line)) {
      if (out.empty() || !only_trailing(item, begin)) return std::nullopt;
      break;
    }
    const size_t at = indentation(line);
    if (out.empty()) {
      if (at < keys || !item_start_at(line, at)) return std::nullopt;
      list = at;
    }
    if (at > list) {
      out.back().end = end;
    } else if (item_start_at(line, list)) {
      out.push_back({begin, end, line_no});
    } else if (at <= keys) {
      break;  // the item's next key
    } else {
      return std::nullopt;
    }
  }
  if (out.empty()) return std::nullopt;
  for (const TextSpan& span : out)
    if (!self_contained(item.substr(span.begin, span.end - span.begin))) return std::nullopt;
  return out;
}

std::optional<TextLayout> scan_layout(std::string_view text) {
  // Whole-text checks first (memchr-fast): tabs and CR anywhere, even quoted, are left to the
  // full parse rather than reasoned about line by line.
  if (text.find('\t') != std::string_view::npos || text.find('\r') != std::string_view::npos ||
      may_hold_anchor(text))
    return std::nullopt;
  TextLayout out;
  std::set<std::string_view> keys;
  std::vector<TextSpan> vs_lines;  // the lines of virtual_servers after its header
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view line = text.substr(pos, (nl == std::string_view::npos ? end : nl) - pos);
    const TextSpan span{pos, end, ++line_no};
    pos = end;
    const bool top = !line.empty() && line[0] != ' ' && line[0] != '#';
    if (!top) {
      if (out.sections.empty()) {
        if (!blank_or_comment(line)) return std::nullopt;
        if (out.between.empty()) out.between.push_back({0, 0, 1});
        out.between.front().end = end;
        continue;
      }
      out.sections.back().span.end = end;
      if (static_cast<int>(out.sections.size()) - 1 == out.vs_section) vs_lines.push_back(span);
      continue;
    }
    const std::string_view key = plain_key(line);
    if (key.empty() || !keys.insert(key).second) return std::nullopt;
    out.sections.push_back({key, span});
    if (key == "virtual_servers" && opens_block_list(line, key))
      out.vs_section = static_cast<int>(out.sections.size()) - 1;
  }
  if (out.sections.empty()) return std::nullopt;
  if (out.vs_section >= 0 && !cut_items(vs_lines, text, out)) {
    out.vs_section = -1;
    out.vs_items.clear();
  }
  if (out.vs_section >= 0) {
    const TextSpan& header = out.sections[static_cast<size_t>(out.vs_section)].span;
    out.between.push_back({header.begin, out.vs_items.front().begin, header.line});
  }
  return out;
}

}  // namespace hadirector::config::detail
