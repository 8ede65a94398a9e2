// A 48-bit Ethernet MAC address and the VRRP virtual router MACs (RFC 5798 §7.3). Text form
// only for messages and tests; no interface lookups here (AddressManager does those).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hadirector::vrrp {

using MacAddress = std::array<uint8_t, 6>;

inline constexpr MacAddress kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// RFC 5798 §7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6.
inline constexpr MacAddress virtual_router_mac(bool ipv6, uint8_t vrid) {
  return {0x00, 0x00, 0x5e, 0x00, static_cast<uint8_t>(ipv6 ? 0x02 : 0x01), vrid};
}

// "00:00:5e:00:01:33" (lower case).
std::string format_mac(const MacAddress& mac);
// Accepts six colon-separated hex pairs, either case.
std::optional<MacAddress> parse_mac(std::string_view text);

}  // namespace hadirector::vrrp
