#include "vrrp/io/ip_header.h"

namespace hadirector::vrrp {
namespace {

constexpr size_t kMinHeader = 20;  // RFC 791 §3.1: IHL >= 5 words

}  // namespace

std::optional<Ipv4Header> parse_ipv4_header(std::span<const uint8_t> datagram) {
  if (datagram.size() < kMinHeader) return std::nullopt;
  if ((datagram[0] >> 4) != 4) return std::nullopt;
  size_t ihl = static_cast<size_t>(datagram[0] & 0x0f) * 4;
  if (ihl < kMinHeader || ihl > datagram.size()) return std::nullopt;
  // Linux hands raw sockets the total length in network order (it converts it back after
  // reassembly); a value beyond what arrived means a truncated read.
  size_t total = static_cast<size_t>(datagram[2]) << 8 | datagram[3];
  if (total < ihl || total > datagram.size()) return std::nullopt;
  Ipv4Header header;
  header.header_length = ihl;
  header.ttl = datagram[8];
  header.protocol = datagram[9];
  header.source = IpAddress::from_bytes(Family::kIpv4, datagram.subspan(12, 4));
  header.destination = IpAddress::from_bytes(Family::kIpv4, datagram.subspan(16, 4));
  header.payload = datagram.subspan(ihl, total - ihl);
  return header;
}

}  // namespace hadirector::vrrp
