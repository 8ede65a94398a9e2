#include "daemon/config/reload_parser.h"

#include <unordered_map>

#include "daemon/config/text_layout.h"
#include "daemon/config/yaml_reader.h"

namespace hadirector::config {
namespace {

using detail::TextLayout;
using detail::TextSpan;

std::string_view piece(std::string_view text, const TextSpan& span) {
  return text.substr(span.begin, span.end - span.begin);
}

// One piece read alone, its marks moved to where it sits in the file; nullopt on any error
// (the full parse reports it). libyaml only: where it refuses a piece, the full parse reads
// the whole file with yaml-cpp, which differs on some text (found by the fuzz target).
std::optional<Node> read_piece(std::string_view text, const TextSpan& span,
                               const std::string& file_name) {
  auto read = detail::read_yaml_with_libyaml(std::string(piece(text, span)), file_name);
  if (!read || !read->root || !read->errors.empty()) return std::nullopt;
  shift_lines(*read->root, span.line - 1);
  return std::move(read->root);
}

// A virtual server reused whole: the tree keeps only its name, for the checks across items.
Node stub_of(const VirtualServer& vs) {
  Node name;
  name.kind = Node::Kind::kScalar;
  name.mark = vs.origin.mark;
  name.scalar = vs.name;
  Node stub;
  stub.kind = Node::Kind::kMap;
  stub.mark = vs.origin.mark;
  stub.key_marks.emplace("name", vs.origin.mark);
  stub.entries.emplace_back("name", std::move(name));
  return stub;
}

void add_reused(std::vector<ReusedRun>& runs, size_t index, size_t previous, int shift) {
  if (!runs.empty()) {
    ReusedRun& last = runs.back();
    if (last.index + last.count == index && last.previous + last.count == previous &&
        last.line_shift == shift) {
      ++last.count;
      return;
    }
  }
  runs.push_back({index, previous, 1, shift});
}

}  // namespace

void shift_lines(Node& node, int delta) {
  if (delta == 0) return;
  if (node.mark.line > 0) node.mark.line += delta;
  for (auto& [key, mark] : node.key_marks)
    if (mark.line > 0) mark.line += delta;
  for (Node& item : node.items) shift_lines(item, delta);
  for (auto& entry : node.entries) shift_lines(entry.second, delta);
}

void shift_lines(VirtualServer& vs, int delta) {
  if (delta == 0) return;
  auto shift = [delta](Origin& origin) {
    if (origin.mark.line > 0) origin.mark.line += delta;
  };
  shift(vs.origin);
  for (RealServer& rs : vs.real_servers) {
    shift(rs.origin);
    for (CheckSpec& check : rs.checks) {
      shift(check.origin);
      shift_lines(check.params, delta);
    }
  }
}

void ReloadParser::remember(std::string text, const std::string& file_name,
                            const Config& config) {
  forget();
  if (config.read_by_fallback) return;
  auto layout = detail::scan_layout(text);
  if (!layout || layout->vs_section < 0 ||
      layout->vs_items.size() != config.virtual_servers.size())
    return;
  // The schema pass keeps every item (or fails): item i is virtual server i, which the line
  // of its first key confirms.
  for (size_t i = 0; i < layout->vs_items.size(); ++i) {
    const TextSpan& span = layout->vs_items[i];
    if (config.virtual_servers[i].origin.mark.line != span.line) return;
    items_.push_back({span.begin, span.end, span.line});
  }
  text_ = std::move(text);
  file_ = file_name;
}

std::optional<IncrementalLoad> ReloadParser::parse(
    const std::string& text, const std::string& file_name, const LoadOptions& opts,
    const std::vector<VirtualServer>& previous) const {
  if (items_.empty() || file_name != file_ || previous.size() != items_.size())
    return std::nullopt;
  auto layout = detail::scan_layout(text);
  if (!layout || layout->vs_section < 0) return std::nullopt;
  std::unordered_map<std::string_view, size_t> old_items;
  for (size_t i = 0; i < items_.size(); ++i)
    old_items.emplace(std::string_view(text_).substr(items_[i].begin,
                                                     items_[i].end - items_[i].begin), i);
  for (const TextSpan& span : layout->between)
    if (!read_piece(text, span, file_name)) return std::nullopt;
  IncrementalLoad out;
  Node& root = out.stub_tree;
  root.kind = Node::Kind::kMap;
  for (size_t s = 0; s < layout->sections.size(); ++s) {
    const auto& section = layout->sections[s];
    const std::string key(section.key);
    const Mark key_mark{file_name, section.span.line, 1};
    if (s == 0) root.mark = key_mark;
    root.key_marks.emplace(key, key_mark);
    if (static_cast<int>(s) != layout->vs_section) {
      auto read = read_piece(text, section.span, file_name);
      if (!read || read->kind != Node::Kind::kMap || read->entries.size() != 1) return std::nullopt;
      root.entries.emplace_back(key, std::move(read->entries.front().second));
      continue;
    }
    Node list;
    list.kind = Node::Kind::kSequence;
    const TextSpan& first = layout->vs_items.front();
    list.mark = {file_name, first.line,
                 static_cast<int>(text.find('-', first.begin) - first.begin) + 1};
    for (const TextSpan& span : layout->vs_items) {
      auto found = old_items.find(piece(text, span));
      if (found != old_items.end()) {
        const int shift = span.line - items_[found->second].line;
        add_reused(out.reused, list.items.size(), found->second, shift);
        list.items.push_back(stub_of(previous[found->second]));
        shift_lines(list.items.back(), shift);
        continue;
      }
      auto read = read_piece(text, span, file_name);
      if (!read || read->kind != Node::Kind::kSequence || read->items.size() != 1)
        return std::nullopt;
      list.items.push_back(std::move(read->items.front()));
    }
    root.entries.emplace_back(key, std::move(list));
  }
  LoadOptions reuse = opts;
  reuse.reuse_virtual_server = reuse_from(out.reused, previous);
  auto parsed = parse_tree(root, file_name, reuse);
  if (!parsed) return std::nullopt;
  out.config = std::move(*parsed);
  return out;
}

namespace {

// Runs are in index order: a cursor follows the schema pass, which asks in order.
template <typename Vector>
std::function<std::optional<VirtualServer>(size_t)> reuse_runs(const std::vector<ReusedRun>& runs,
                                                                Vector& previous) {
  return [&runs, &previous, run = size_t{0}](size_t index) mutable -> std::optional<VirtualServer> {
    while (run < runs.size() && runs[run].index + runs[run].count <= index) ++run;
    if (run >= runs.size() || index < runs[run].index) return std::nullopt;
    const size_t from = runs[run].previous + (index - runs[run].index);
    if (from >= previous.size()) return std::nullopt;
    VirtualServer vs = std::move(previous[from]);  // a copy when `previous` is const
    shift_lines(vs, runs[run].line_shift);
    return vs;
  };
}

}  // namespace

std::function<std::optional<VirtualServer>(size_t)> reuse_from(
    const std::vector<ReusedRun>& runs, const std::vector<VirtualServer>& previous) {
  return reuse_runs(runs, previous);
}

std::function<std::optional<VirtualServer>(size_t)> take_from(
    const std::vector<ReusedRun>& runs, std::vector<VirtualServer>& previous) {
  return reuse_runs(runs, previous);
}

}  // namespace hadirector::config
