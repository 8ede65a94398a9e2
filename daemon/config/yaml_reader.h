// Turns YAML text into a config::Node tree with marks; the only place that includes a YAML
// parser. libyaml reads (several times faster than yaml-cpp, which matters at tens of thousands
// of real servers); text it refuses is read again by yaml-cpp, whose syntax messages users see.
// Syntax errors become ConfigErrors (nothing is thrown). Does not know the schema.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/config/node.h"

namespace hadirector::config::detail {

struct YamlReadResult {
  std::optional<Node> root;         // absent after a syntax error; a kNull Node for an empty file
  std::vector<ConfigError> errors;  // syntax error, duplicate keys, non-scalar keys...
  bool by_yaml_cpp = false;         // libyaml refused the text; yaml-cpp read it
};

YamlReadResult read_yaml(const std::string& text, const std::string& file_name);
// libyaml alone: nullopt where it refuses the text (and read_yaml would ask yaml-cpp). A
// reload reading pieces of a file uses it, since whether yaml-cpp reads the whole file is
// decided by libyaml refusing any part of it (reload_parser.h).
std::optional<YamlReadResult> read_yaml_with_libyaml(const std::string& text,
                                                     const std::string& file_name);
// yaml-cpp alone (the fallback), so tests can hold both readers to the same tree and marks.
YamlReadResult read_yaml_with_yaml_cpp(const std::string& text, const std::string& file_name);

}  // namespace hadirector::config::detail
