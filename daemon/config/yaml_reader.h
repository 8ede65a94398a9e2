// Turns YAML text into a config::Node tree with marks; the only place that includes yaml-cpp's
// parser. Syntax errors become ConfigErrors (nothing is thrown). Does not know the schema.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/config/node.h"

namespace hadirector::config::detail {

struct YamlReadResult {
  std::optional<Node> root;         // absent after a syntax error; a kNull Node for an empty file
  std::vector<ConfigError> errors;  // syntax error, duplicate keys, non-scalar keys...
};

YamlReadResult read_yaml(const std::string& text, const std::string& file_name);

}  // namespace hadirector::config::detail
