// A YAML-free tree of configuration values with their source positions. Plug-in blocks (a
// check's type-specific keys) reach their factories as a Node, so yaml-cpp stays inside
// daemon/config while each plug-in still validates its own keys with FILE:LINE:COL errors.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "daemon/config/file_name.h"

namespace hadirector::config {

struct Mark {
  FileName file;  // shared by the marks of one file (file_name.h)
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

// One configuration error, printed as "FILE:LINE:COL: message".
struct ConfigError {
  Mark mark;
  std::string message;
  std::string to_string() const;
};

struct Node {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  Mark mark;
  std::string scalar;                                 // kScalar
  std::vector<Node> items;                            // kSequence
  std::vector<std::pair<std::string, Node>> entries;  // kMap, in file order
  std::map<std::string, Mark> key_marks;              // kMap: where each key was written

  // Declared here, defaulted in node.cc: with clang and libstdc++ 12, an implicit destructor
  // is instantiated while std::pair<std::string, Node> is still incomplete and fails to build.
  Node() = default;
  Node(const Node&) = default;
  Node(Node&&) noexcept = default;
  Node& operator=(const Node&) = default;
  Node& operator=(Node&&) noexcept = default;
  ~Node();

  const Node* find(const std::string& key) const {
    for (const auto& [k, v] : entries)
      if (k == key) return &v;
    return nullptr;
  }
};

// Equal content: kinds, scalars, items and entries in order. Marks are ignored, so a value
// compares equal to itself re-read from another file or position.
bool operator==(const Node& a, const Node& b);

}  // namespace hadirector::config
