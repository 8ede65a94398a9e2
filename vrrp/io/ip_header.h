// Bounds-checked parsing of the IPv4 header that a raw IPv4 socket delivers in front of every
// payload (raw(7)), and of the ancillary data (cmsg) the VRRP socket asks for. Pure: bytes in,
// facts out; nothing here reads a socket or trusts a length field it has not checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "vrrp/ip_address.h"

namespace hadirector::vrrp {

struct Ipv4Header {
  size_t header_length = 0;  // IHL * 4, options included
  uint8_t ttl = 0;
  uint8_t protocol = 0;
  IpAddress source;
  IpAddress destination;
  std::span<const uint8_t> payload;  // within the input, cut to Total Length
};

// Nullopt when the datagram is shorter than 20 bytes, not version 4, has IHL < 5, an IHL or
// Total Length beyond the bytes received, or Total Length shorter than the header.
std::optional<Ipv4Header> parse_ipv4_header(std::span<const uint8_t> datagram);

}  // namespace hadirector::vrrp
