// Fuzz target for the IPVS ack parser (ipvs/ipvs_netlink_batch.h): any datagram must parse or
// be refused without crashing, and every reported errno must be a real one.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ipvs/ipvs_netlink_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view datagram(reinterpret_cast<const char*>(data), size);
  (void)hadirector::ipvs::codec::parse_acks(datagram, [](std::uint32_t, int err) {
    if (err < 0 || err > 4095) std::abort();
  });
  return 0;
}
