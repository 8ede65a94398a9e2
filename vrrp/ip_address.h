// A plain IPv4/IPv6 address as the VRRP codec and state machine see it: a family and the
// address bytes in network order. Deliberately no parsing from text, no sockaddr and no
// scope ids: that belongs to the socket layer and the configuration.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>

namespace hadirector::vrrp {

enum class Family : uint8_t { kIpv4, kIpv6 };

inline constexpr size_t address_size(Family family) { return family == Family::kIpv4 ? 4 : 16; }

struct IpAddress {
  Family family = Family::kIpv4;
  // Network byte order; an IPv4 address uses the first four bytes, the rest stay zero so that
  // the defaulted comparison below is the RFC 5798 §6.4.3 "unsigned integer comparison of the
  // addresses in network byte order" within one family.
  std::array<uint8_t, 16> bytes{};

  static constexpr IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    IpAddress addr;
    addr.bytes = {a, b, c, d};
    return addr;
  }
  static constexpr IpAddress v6(const std::array<uint8_t, 16>& bytes) {
    IpAddress addr;
    addr.family = Family::kIpv6;
    addr.bytes = bytes;
    return addr;
  }
  // Copies address_size(family) bytes; `raw` must hold at least that many.
  static IpAddress from_bytes(Family family, std::span<const uint8_t> raw) {
    IpAddress addr;
    addr.family = family;
    std::copy_n(raw.begin(), address_size(family), addr.bytes.begin());
    return addr;
  }

  std::span<const uint8_t> view() const { return {bytes.data(), address_size(family)}; }

  friend constexpr auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

}  // namespace hadirector::vrrp
