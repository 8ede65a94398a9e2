// The Internet checksum (RFC 1071) over a VRRP message, with or without the IP pseudo-header
// that RFC 5798 §5.2.8 prepends. Pure arithmetic: which variant applies to which packet is
// decided by vrrp/packet.h.
#pragma once

#include <cstdint>
#include <span>

#include "vrrp/ip_address.h"

namespace hadirector::vrrp {

inline constexpr uint8_t kIpProtoVrrp = 112;  // IANA protocol number (RFC 5798 §5.1.1.4)

// One's complement sum of `message` folded to 16 bits, preceded by the pseudo-header of
// `source`/`destination` when `with_pseudo_header`: for IPv4 source, destination, zero,
// protocol 112 and the 16-bit length (the RFC 768 layout); for IPv6 the RFC 8200 §8.1 layout
// (source, destination, 32-bit upper-layer length, three zero bytes, next header 112).
// Returns the folded sum, not its complement: a message whose checksum field is correct sums
// to 0xffff.
uint16_t ones_complement_sum(std::span<const uint8_t> message, bool with_pseudo_header,
                             const IpAddress& source, const IpAddress& destination);

// The value to store in the checksum field of `message` (whose checksum field must be zero).
inline uint16_t internet_checksum(std::span<const uint8_t> message, bool with_pseudo_header,
                                  const IpAddress& source, const IpAddress& destination) {
  return static_cast<uint16_t>(
      ~ones_complement_sum(message, with_pseudo_header, source, destination));
}

}  // namespace hadirector::vrrp
