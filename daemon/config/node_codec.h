// A compact encoding of a parsed configuration tree (Node, marks included), so the supervisor
// parses the YAML once and the workers rebuild the same tree without yaml-cpp: at 40,000 real
// servers each YAML parse costs seconds under emulation, the decode a fraction of it. The text
// is base64 of a small binary form, safe inside the JSON IPC frames. Decoding is bounds checked
// (lengths, depth, node count): bad input is an error, never a crash. It knows no schema.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "daemon/config/node.h"

namespace hadirector::config {

std::string encode_tree(const Node& root);
// The tree encode_tree() wrote, or what is wrong with the text.
std::expected<Node, std::string> decode_tree(std::string_view text);

}  // namespace hadirector::config
