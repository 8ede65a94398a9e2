// Fuzzes the half-open probe's answer parser with untrusted bytes from a raw TCP socket: as an
// IPv4 packet and as a bare TCP header, it must never crash, and whatever it accepts is an
// answer (SYN-ACK or RST) whose fields came from inside the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checkers/tcp/syn_segment.h"
#include "daemon/core/result.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hadirector::checkers::tcp;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (bool ipv4 : {true, false}) {
    const Segment s = parse_segment(bytes, ipv4);
    if (s.drop == SegmentDrop::kNone) HD_CHECK(size >= (ipv4 ? 40u : 20u));
    HD_CHECK(segment_drop_name(s.drop) != nullptr);
  }
  return 0;
}
