// Where the top-level sections of a configuration file and the items of its block-style
// `virtual_servers` list begin and end, found line by line without a YAML parser, so a reload
// can hand each piece to the reader alone (reload_parser.h). It accepts only the plain shape
// the pieces can be read in isolation from: anything else (flow or quoted top-level keys,
// anchors or aliases, tabs in indentation, CR, document markers or directives) is nullopt.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace hadirector::config::detail {

struct TextSpan {
  size_t begin = 0, end = 0;  // bytes; end is past the span's last newline
  int line = 0;               // 1-based line of its first character
};

struct TextLayout {
  struct Section {
    std::string_view key;
    TextSpan span;  // from the key's line to the next top-level key (comments included)
  };
  std::vector<Section> sections;  // in file order, keys distinct
  // The lines in no section or item, comments only: before the first key, and from the
  // `virtual_servers:` line to its first item. The reader must still see them (it refuses a
  // comment that is not valid UTF-8, for one).
  std::vector<TextSpan> between;
  // The `virtual_servers` section cut into its items ("- " lines at one indentation), when it
  // is a block list of block items; otherwise vs_section is -1 and the section is whole.
  int vs_section = -1;
  std::vector<TextSpan> vs_items;
};

std::optional<TextLayout> scan_layout(std::string_view text);

// The items of the block `real_servers` list of one virtual server item (`item` is its text,
// from its "- " line on): spans relative to `item`, `line` counted from 0 at its first line.
// nullopt unless the list is plainly cut: the key alone on a line of the item's own keys (not
// its first line), no blank or comment line inside the list, every item starting "- " at one
// indentation with its other lines deeper, none holding a quote, a flow bracket or a block
// scalar (whose text could reach past its lines), and the list at least one item long.
std::optional<std::vector<TextSpan>> scan_real_servers(std::string_view item);

}  // namespace hadirector::config::detail
