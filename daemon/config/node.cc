#include "daemon/config/node.h"

namespace hadirector::config {

std::string ConfigError::to_string() const {
  const std::string file = mark.file.empty() ? "<config>" : mark.file.str();
  return file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) + ": " +
         message;
}

Node::~Node() = default;

bool operator==(const Node& a, const Node& b) {
  return a.kind == b.kind && a.scalar == b.scalar && a.items == b.items && a.entries == b.entries;
}

}  // namespace hadirector::config
