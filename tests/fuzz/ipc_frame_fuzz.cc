// Fuzzes the supervisor<->worker frame decoder and the control request parser: bytes from a
// compromised or buggy peer must give an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/ipc_channel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string buf(reinterpret_cast<const char*>(data), size);
  std::string error;
  size_t frames = 0;
  (void)hadirector::daemon::decode_frames(buf, [&](nlohmann::json) { ++frames; }, error);
  auto j = nlohmann::json::parse(reinterpret_cast<const char*>(data),
                                 reinterpret_cast<const char*>(data) + size, nullptr, false);
  if (!j.is_discarded() && j.is_object()) (void)j.value("cmd", std::string());
  return 0;
}
