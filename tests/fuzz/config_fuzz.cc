// Fuzz target for the configuration loader: arbitrary bytes go to parse_text, which must never
// crash, hang or throw. A config that loads must also survive dump_yaml and load back equal.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "daemon/config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hadirector::config;
  std::string text(reinterpret_cast<const char*>(data), size);
  LoadOptions opts;
  opts.default_router_id = "fuzz";
  auto result = parse_text(text, "fuzz.yaml", opts);
  if (!result) {
    for (const ConfigError& error : result.error()) (void)error.to_string();
    return 0;
  }
  auto again = parse_text(dump_yaml(*result), "dump.yaml", opts);
  if (!again || !(*again == *result)) std::abort();
  return 0;
}
