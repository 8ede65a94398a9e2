// Value types and parsers shared by the configuration and the modules that use it: durations
// with units ("10ms", "1.5s", "1m30s"), IP addresses, prefixes and endpoints. Pure string
// conversions built on libc's inet_pton/inet_ntop; no name resolution, no I/O.
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/core/result.h"

namespace hadirector::config {

// "10ms", "1s", "2m", "1h", "1.5s", "1m30s"; units ns, us, ms, s, m, h. A number without a unit
// is an error: configuration durations always carry their unit.
core::Result<std::chrono::nanoseconds> parse_duration(std::string_view text);
// The shortest exact spelling in the largest whole unit: 1500ms -> "1500ms", 120s -> "2m",
// 0 -> "0s". parse_duration(format_duration(d)) == d for every d >= 0.
std::string format_duration(std::chrono::nanoseconds duration);

struct IpAddress {
  int family = 0;                   // AF_INET or AF_INET6; 0 only in a default-built value
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4, the rest are 0

  // "192.0.2.1" or "2001:db8::1" (no brackets, no scope id).
  static core::Result<IpAddress> from_string(std::string_view text);
  std::string to_string() const;
  bool is_v4() const;
  bool is_v6() const;
  int max_prefix_len() const { return is_v4() ? 32 : 128; }
  bool is_multicast() const;
  // A netmask is contiguous ones then zeros; returns its length or -1.
  int mask_prefix_len() const;
  auto operator<=>(const IpAddress&) const = default;
};

// An address with a prefix length, "192.0.2.100/24". Host bits are kept (a VIP is an address on
// a subnet). Without "/len" the prefix is a host route: /32 for IPv4, /128 for IPv6.
struct IpPrefix {
  IpAddress addr;
  int len = 0;

  static core::Result<IpPrefix> from_string(std::string_view text);
  std::string to_string() const;
  auto operator<=>(const IpPrefix&) const = default;
};

// "192.0.2.1:80" or "[2001:db8::1]:80". Port 0 means "no port given", which only some callers
// accept (from_string's port_optional); to_string() then omits the port.
struct Endpoint {
  IpAddress addr;
  uint16_t port = 0;

  static core::Result<Endpoint> from_string(std::string_view text, bool port_optional = false);
  std::string to_string() const;
  auto operator<=>(const Endpoint&) const = default;
};

// "AF_INET" -> "IPv4", "AF_INET6" -> "IPv6", for messages.
const char* family_name(int family);

}  // namespace hadirector::config
