// A YAML-free tree of configuration values with their source positions. Plug-in blocks (a
// check's type-specific keys) reach their factories as a Node, so yaml-cpp stays inside
// daemon/config while each plug-in still validates its own keys with FILE:LINE:COL errors.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/config/file_name.h"

namespace hadirector::config {

struct Mark {
  FileName file;   // shared by the marks of one file (file_name.h)
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

// Where each key of a map node was written: the subset of std::map<std::string, Mark> the
// readers use (sorted by key, unique keys), kept in one vector. A std::map cost a node
// allocation per key (two per real server), a large share of building and freeing a tree of
// 40,000 real servers; keys are short (no allocation of their own) and a map holds a few.
class KeyMarks {
 public:
  using value_type = std::pair<std::string, Mark>;
  using const_iterator = std::vector<value_type>::const_iterator;
  using iterator = std::vector<value_type>::iterator;

  iterator begin() { return marks_.begin(); }
  iterator end() { return marks_.end(); }
  const_iterator begin() const { return marks_.begin(); }
  const_iterator end() const { return marks_.end(); }
  size_t size() const { return marks_.size(); }
  bool empty() const { return marks_.empty(); }
  void reserve(size_t n) { marks_.reserve(n); }

  iterator find(std::string_view key) {
    auto it = lower(key);
    return it != marks_.end() && it->first == key ? it : marks_.end();
  }
  const_iterator find(std::string_view key) const { return const_cast<KeyMarks*>(this)->find(key); }
  bool contains(std::string_view key) const { return find(key) != end(); }
  // Inserts unless the key is there; the iterator points at the key's mark either way.
  std::pair<iterator, bool> emplace(std::string key, Mark mark) {
    auto it = lower(key);
    if (it != marks_.end() && it->first == key) return {it, false};
    return {marks_.emplace(it, std::move(key), std::move(mark)), true};
  }
  Mark& operator[](const std::string& key) { return emplace(key, Mark{}).first->second; }
  const Mark& at(std::string_view key) const {
    auto it = find(key);
    if (it == end()) throw std::out_of_range("KeyMarks::at");
    return it->second;
  }

 private:
  iterator lower(std::string_view key) {
    return std::lower_bound(marks_.begin(), marks_.end(), key,
                            [](const value_type& m, std::string_view k) { return m.first < k; });
  }

  std::vector<value_type> marks_;
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
  KeyMarks key_marks;                                 // kMap: where each key was written

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
