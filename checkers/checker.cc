#include "checkers/checker.h"

#include <algorithm>

namespace hadirector::checkers {

std::string CheckTarget::to_string() const {
  const std::string port_text = std::to_string(effective_port());
  if (address.find(':') != std::string::npos) return "[" + address + "]:" + port_text;
  return address + ":" + port_text;
}

namespace {

void append_canonical(const config::Node& node, std::string& out) {
  switch (node.kind) {
    case config::Node::Kind::kNull:
      out += "~";
      return;
    case config::Node::Kind::kScalar:
      // Length-prefixed so that no scalar can imitate the punctuation around it.
      out += std::to_string(node.scalar.size()) + ":" + node.scalar;
      return;
    case config::Node::Kind::kSequence:
      out += "[";
      for (const auto& item : node.items) append_canonical(item, out), out += ",";
      out += "]";
      return;
    case config::Node::Kind::kMap: {
      std::vector<const std::pair<std::string, config::Node>*> sorted;
      for (const auto& entry : node.entries) sorted.push_back(&entry);
      std::sort(sorted.begin(), sorted.end(),
                [](const auto* a, const auto* b) { return a->first < b->first; });
      out += "{";
      for (const auto* entry : sorted) {
        out += std::to_string(entry->first.size()) + ":" + entry->first + "=";
        append_canonical(entry->second, out);
        out += ",";
      }
      out += "}";
      return;
    }
  }
}

}  // namespace

std::string make_check_key(const std::string& type, const CheckTarget& target,
                           const config::Node& params) {
  std::string key = type + " " + target.to_string() + " ";
  append_canonical(params, key);
  return key;
}

}  // namespace hadirector::checkers
