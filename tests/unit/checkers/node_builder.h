// Builds config::Node maps for factory tests with distinct marks per key, so tests can assert
// that an error points at the right FILE:LINE:COL.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "daemon/config/node.h"

namespace hadirector::checkers::testing {

inline config::Node scalar(std::string text, int line = 1, int column = 10) {
  config::Node n;
  n.kind = config::Node::Kind::kScalar;
  n.scalar = std::move(text);
  n.mark = {"checks.yaml", line, column};
  return n;
}

inline config::Node sequence(std::initializer_list<config::Node> items, int line = 1) {
  config::Node n;
  n.kind = config::Node::Kind::kSequence;
  n.items = items;
  n.mark = {"checks.yaml", line, 10};
  return n;
}

// Key i of the map sits on line i + 1, column 3; its value on the same line, column 10.
inline config::Node map(std::initializer_list<std::pair<std::string, config::Node>> entries) {
  config::Node n;
  n.kind = config::Node::Kind::kMap;
  n.mark = {"checks.yaml", 1, 1};
  int line = 2;
  for (auto [key, value] : entries) {
    value.mark = {"checks.yaml", line, 10};
    for (auto& item : value.items) item.mark.line = line;
    n.key_marks[key] = {"checks.yaml", line, 3};
    n.entries.emplace_back(key, std::move(value));
    ++line;
  }
  return n;
}

}  // namespace hadirector::checkers::testing
