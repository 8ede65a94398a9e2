// A reload that reads again only what changed: the file is cut into its top-level sections and
// the items of `virtual_servers` by a line scanner; an item whose text is unchanged keeps its
// parsed VirtualServer (marks moved to its new line), only the others go through the YAML
// reader and the schema pass. Anything the scanner does not fully understand (flow style at
// the top, anchors and aliases, tabs, document markers, a syntax or schema error anywhere)
// returns nullopt, and the caller parses the whole file: the result is always what a full
// parse gives, errors included. Pure; it does not read files.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/config/loader.h"

namespace hadirector::config {

// `count` consecutive virtual servers from `index` on are the previous configuration's from
// `previous` on, `line_shift` lines further down the file. With `rs` set, the run is of real
// servers inside a virtual server read again: `count` real servers of virtual server `index`
// from `rs` on are those of the previous virtual server `previous` from `previous_rs` on.
struct ReusedRun {
  static constexpr size_t kWhole = static_cast<size_t>(-1);
  size_t index = 0;
  size_t previous = 0;
  size_t count = 0;
  int line_shift = 0;
  size_t rs = kWhole;
  size_t previous_rs = 0;
  bool whole() const { return rs == kWhole; }
  bool operator==(const ReusedRun&) const = default;
};

struct IncrementalLoad {
  Config config;
  // The parsed tree, in which each reused virtual server is a stub holding only its name: what
  // a worker holding the previous virtual servers needs to rebuild `config` (with `reused`).
  Node stub_tree;
  std::vector<ReusedRun> reused;
};

class ReloadParser {
 public:
  // Takes the text of the configuration now running (and what parsing it gave), so the next
  // parse() can reuse its virtual servers. A text the scanner cannot cut is remembered as none.
  void remember(std::string text, const std::string& file_name, const Config& config);
  void forget() { *this = ReloadParser(); }
  const std::string& text() const { return text_; }

  // `text` parsed with the remembered configuration's virtual servers (`previous`, the Config
  // given to remember()) reused wherever their text is unchanged; nullopt: parse it in full.
  std::optional<IncrementalLoad> parse(const std::string& text, const std::string& file_name,
                                       const LoadOptions& opts,
                                       const std::vector<VirtualServer>& previous) const;

 private:
  struct Item {
    size_t begin = 0, end = 0;  // byte range in text_
    int line = 0;               // of its "- "
  };
  std::string text_;
  std::string file_;
  std::vector<Item> items_;  // the running virtual servers, one to one
};

// LoadOptions::reuse_virtual_server and reuse_real_server for `runs`: a copy of the previous
// virtual server or real server each index stands for, marks moved. Asked in index order (as
// the schema pass does). `runs` and `previous` must outlive the parse.
void reuse_from(const std::vector<ReusedRun>& runs, const std::vector<VirtualServer>& previous,
                LoadOptions& options);

// The same, moving each reused virtual server and real server out of `previous` (a worker's
// own copy, which a successful parse replaces; after a failed one it is incomplete). A real
// server `previous` does not hold (a worker that keeps none) is read from its stub, which
// holds only its address.
void take_from(const std::vector<ReusedRun>& runs, std::vector<VirtualServer>& previous,
               LoadOptions& options);

// Cuts each virtual server's `real_servers` list in `tree` to its first item: all a worker
// reading none (LoadOptions::keep_real_servers false) takes from them, for a fraction of the
// bytes to send, decode and free.
void cut_real_servers(Node& tree);

// Moves every mark of the tree `delta` lines down (key marks included).
void shift_lines(Node& node, int delta);
// The same for a virtual server's marks: its own, its real servers', their checks' and params'.
void shift_lines(VirtualServer& vs, int delta);
void shift_lines(RealServer& rs, int delta);

}  // namespace hadirector::config
