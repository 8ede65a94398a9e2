#include "daemon/config/reload_parser.h"

#include <algorithm>
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
std::optional<Node> read_text(std::string text, int line, const std::string& file_name) {
  auto read = detail::read_yaml_with_libyaml(std::move(text), file_name);
  if (!read || !read->root || !read->errors.empty()) return std::nullopt;
  shift_lines(*read->root, line - 1);
  return std::move(read->root);
}

std::optional<Node> read_piece(std::string_view text, const TextSpan& span,
                               const std::string& file_name) {
  return read_text(std::string(piece(text, span)), span.line, file_name);
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
    if (last.whole() && last.index + last.count == index &&
        last.previous + last.count == previous && last.line_shift == shift) {
      ++last.count;
      return;
    }
  }
  runs.push_back({index, previous, 1, shift});
}

void add_reused_rs(std::vector<ReusedRun>& runs, const ReusedRun& one) {
  if (!runs.empty()) {
    ReusedRun& last = runs.back();
    if (!last.whole() && last.index == one.index && last.previous == one.previous &&
        last.rs + last.count == one.rs && last.previous_rs + last.count == one.previous_rs &&
        last.line_shift == one.line_shift) {
      ++last.count;
      return;
    }
  }
  runs.push_back(one);
}

// A real server reused inside a virtual server read again: its item in the tree holds only
// its address (the duplicate and family checks across real servers read it).
Node stub_of(const RealServer& rs, int shift) {
  Mark mark = rs.origin.mark;
  if (mark.line > 0) mark.line += shift;
  Node address;
  address.kind = Node::Kind::kScalar;
  address.mark = mark;
  address.scalar = rs.address.to_string();
  Node stub;
  stub.kind = Node::Kind::kMap;
  stub.mark = mark;
  stub.key_marks.emplace("address", mark);
  stub.entries.emplace_back("address", std::move(address));
  return stub;
}

// The real-server items of the running file's virtual servers that a reload did not reuse
// whole, by text: a changed virtual server takes its unchanged real servers from here.
class RealServerPool {
 public:
  struct Slot {
    size_t vs = 0, rs = 0;
    int line = 0;
  };
  void add(std::string_view item, int item_line, size_t vs, const VirtualServer& parsed) {
    auto spans = detail::scan_real_servers(item);
    if (!spans || spans->size() != parsed.real_servers.size()) return;
    for (size_t k = 0; k < spans->size(); ++k) {
      const int line = item_line + (*spans)[k].line;
      if (parsed.real_servers[k].origin.mark.line != line) return;  // not what the parse saw
    }
    for (size_t k = 0; k < spans->size(); ++k)
      slots_[piece(item, (*spans)[k])].push_back({vs, k, item_line + (*spans)[k].line});
  }
  std::optional<Slot> take(std::string_view text) {
    auto found = slots_.find(text);
    if (found == slots_.end() || found->second.empty()) return std::nullopt;
    Slot slot = found->second.back();
    found->second.pop_back();
    return slot;
  }

 private:
  std::unordered_map<std::string_view, std::vector<Slot>> slots_;
};

// A changed virtual-server item read with its unchanged real servers (found in `pool`) left
// out of the text: each is a placeholder of as many lines, then a stub in the tree, and a run
// in `runs`. nullopt: read it whole.
std::optional<Node> read_with_reuse(std::string_view item, int line, size_t index,
                                    const std::string& file_name, RealServerPool& pool,
                                    const std::vector<VirtualServer>& previous,
                                    std::vector<ReusedRun>& runs) {
  auto spans = detail::scan_real_servers(item);
  if (!spans) return std::nullopt;
  std::vector<std::optional<RealServerPool::Slot>> taken(spans->size());
  bool any = false;
  for (size_t k = 0; k < spans->size(); ++k)
    any |= (taken[k] = pool.take(piece(item, (*spans)[k]))).has_value();
  if (!any) return std::nullopt;
  std::string edited;
  edited.reserve(item.size());
  size_t copied = 0;
  for (size_t k = 0; k < spans->size(); ++k) {
    if (!taken[k]) continue;
    const TextSpan& span = (*spans)[k];
    const std::string_view text = piece(item, span);
    edited.append(item.substr(copied, span.begin - copied));
    edited.append(text.find('-'), ' ').append("- {}");
    edited.append(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')), '\n');
    if (text.back() != '\n') return std::nullopt;  // the file's last line: keep it simple
    copied = span.end;
  }
  edited.append(item.substr(copied));
  auto read = read_text(std::move(edited), line, file_name);
  if (!read || read->kind != Node::Kind::kSequence || read->items.size() != 1) return std::nullopt;
  Node& vs = read->items.front();
  Node* list = nullptr;
  for (auto& [key, value] : vs.entries)
    if (key == "real_servers") {
      if (list) return std::nullopt;
      list = &value;
    }
  if (!list || list->kind != Node::Kind::kSequence || list->items.size() != spans->size())
    return std::nullopt;
  for (size_t k = 0; k < spans->size(); ++k) {
    if (!taken[k]) continue;
    const int shift = line + (*spans)[k].line - taken[k]->line;
    list->items[k] = stub_of(previous[taken[k]->vs].real_servers[taken[k]->rs], shift);
    add_reused_rs(runs, {.index = index, .previous = taken[k]->vs, .count = 1,
                         .line_shift = shift, .rs = k, .previous_rs = taken[k]->rs});
  }
  return std::move(vs);
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
  if (vs.origin.mark.line > 0) vs.origin.mark.line += delta;
  for (RealServer& rs : vs.real_servers) shift_lines(rs, delta);
}

void shift_lines(RealServer& rs, int delta) {
  if (delta == 0) return;
  if (rs.origin.mark.line > 0) rs.origin.mark.line += delta;
  for (CheckSpec& check : rs.checks) {
    if (check.origin.mark.line > 0) check.origin.mark.line += delta;
    shift_lines(check.params, delta);
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
  // Which new items are old ones whole; the real servers of the old items left are a pool.
  std::vector<size_t> whole(layout->vs_items.size(), ReusedRun::kWhole);
  std::vector<bool> used(items_.size(), false);
  for (size_t i = 0; i < layout->vs_items.size(); ++i)
    if (auto found = old_items.find(piece(text, layout->vs_items[i])); found != old_items.end())
      used[found->second] = true, whole[i] = found->second;
  RealServerPool pool;
  for (size_t i = 0; i < items_.size(); ++i)
    if (!used[i])
      pool.add(std::string_view(text_).substr(items_[i].begin, items_[i].end - items_[i].begin),
               items_[i].line, i, previous[i]);
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
    for (size_t i = 0; i < layout->vs_items.size(); ++i) {
      const TextSpan& span = layout->vs_items[i];
      if (whole[i] != ReusedRun::kWhole) {
        const int shift = span.line - items_[whole[i]].line;
        add_reused(out.reused, list.items.size(), whole[i], shift);
        list.items.push_back(stub_of(previous[whole[i]]));
        shift_lines(list.items.back(), shift);
        continue;
      }
      if (auto partly = read_with_reuse(piece(text, span), span.line, i, file_name, pool,
                                        previous, out.reused)) {
        list.items.push_back(std::move(*partly));
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
  reuse_from(out.reused, previous, reuse);
  auto parsed = parse_tree(root, file_name, reuse);
  if (!parsed) return std::nullopt;
  out.config = std::move(*parsed);
  return out;
}

namespace {

// Runs are in index order, real-server runs in (index, rs) order: a cursor follows the schema
// pass, which asks in that order.
template <typename Vector>
void reuse_runs(const std::vector<ReusedRun>& runs, Vector& previous, LoadOptions& options) {
  options.reuse_virtual_server = [&runs, &previous, run = size_t{0}](
                                     size_t index) mutable -> std::optional<VirtualServer> {
    while (run < runs.size() &&
           (!runs[run].whole() || runs[run].index + runs[run].count <= index))
      ++run;
    if (run >= runs.size() || index < runs[run].index) return std::nullopt;
    const size_t from = runs[run].previous + (index - runs[run].index);
    if (from >= previous.size()) return std::nullopt;
    VirtualServer vs = std::move(previous[from]);  // a copy when `previous` is const
    shift_lines(vs, runs[run].line_shift);
    return vs;
  };
  options.reuse_real_server = [&runs, &previous, run = size_t{0}](
                                  size_t index, size_t rs) mutable -> std::optional<RealServer> {
    while (run < runs.size() &&
           (runs[run].whole() || runs[run].index < index ||
            (runs[run].index == index && runs[run].rs + runs[run].count <= rs)))
      ++run;
    if (run >= runs.size() || runs[run].index != index || rs < runs[run].rs) return std::nullopt;
    const size_t from = runs[run].previous, from_rs = runs[run].previous_rs + (rs - runs[run].rs);
    if (from >= previous.size() || from_rs >= previous[from].real_servers.size())
      return std::nullopt;  // a worker that keeps no real servers: its stub is read
    RealServer out = std::move(previous[from].real_servers[from_rs]);
    shift_lines(out, runs[run].line_shift);
    return out;
  };
}

}  // namespace

void reuse_from(const std::vector<ReusedRun>& runs, const std::vector<VirtualServer>& previous,
                LoadOptions& options) {
  reuse_runs(runs, previous, options);
}

void cut_real_servers(Node& tree) {
  for (auto& [key, list] : tree.entries) {
    if (key != "virtual_servers") continue;
    for (Node& vs : list.items)
      for (auto& [vs_key, real_servers] : vs.entries)
        if (vs_key == "real_servers" && real_servers.items.size() > 1)
          real_servers.items.resize(1);
  }
}

void take_from(const std::vector<ReusedRun>& runs, std::vector<VirtualServer>& previous,
               LoadOptions& options) {
  reuse_runs(runs, previous, options);
}

}  // namespace hadirector::config
