// Fuzz target for the encoded configuration tree (daemon/config/node_codec.h) the workers read
// from the supervisor: arbitrary text and arbitrary binary trees (base64-wrapped here so the
// fuzzer reaches the tree reader) must decode or be refused, never crash; what decodes must
// survive the schema pass and encode back to the same tree.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "daemon/config/loader.h"
#include "daemon/config/node_codec.h"

namespace {

std::string base64(const std::string& in) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<uint8_t>(in[i + 2]);
    out += a[(v >> 18) & 63];
    out += a[(v >> 12) & 63];
    out += i + 1 < in.size() ? a[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? a[v & 63] : '=';
  }
  return out;
}

void check(const std::string& text) {
  using namespace hadirector::config;
  auto tree = decode_tree(text);
  if (!tree) return;
  LoadOptions opts;
  opts.default_router_id = "fuzz";
  (void)parse_tree(*tree, "fuzz.yaml", opts);
  auto again = decode_tree(encode_tree(*tree));
  if (!again || !(*again == *tree)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  check(raw);
  check(base64(raw));
  return 0;
}
