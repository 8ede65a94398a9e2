#include "daemon/config/values.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <limits>

namespace hadirector::config {
namespace {

using core::Errc;
using core::fail;

struct Unit {
  std::string_view name;
  int64_t nanos;
};
// Longest names first so "ms" is not read as "m" followed by garbage.
constexpr Unit kUnits[] = {{"ns", 1},
                           {"us", 1'000},
                           {"ms", 1'000'000},
                           {"s", 1'000'000'000},
                           {"m", 60'000'000'000},
                           {"h", 3'600'000'000'000}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads "<digits>[.<digits>]<unit>" from the front of `text`; adds it to `total`.
core::Status read_component(std::string_view& text, std::string_view whole, int64_t& total) {
  size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  std::string_view int_part = text.substr(0, i);
  std::string_view frac_part;
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    frac_part = text.substr(start, i - start);
  }
  if (int_part.empty() && frac_part.empty())
    return fail(Errc::kInvalid, "invalid duration '" + std::string(whole) +
                                    "': expected a number with a unit such as 10ms, 1s, 2m");
  size_t unit_end = i;
  while (unit_end < text.size() && !is_digit(text[unit_end]) && text[unit_end] != '.') ++unit_end;
  std::string_view unit_name = text.substr(i, unit_end - i);
  if (unit_name.empty())
    return fail(Errc::kInvalid, "duration '" + std::string(whole) +
                                    "' needs a unit: ns, us, ms, s, m or h (e.g. 10ms, 1s)");
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits)
    if (u.name == unit_name) unit = &u;
  if (unit == nullptr)
    return fail(Errc::kInvalid, "invalid duration '" + std::string(whole) + "': unknown unit '" +
                                    std::string(unit_name) + "' (use ns, us, ms, s, m or h)");
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t whole_units = 0;
  auto [ptr, ec] = std::from_chars(int_part.data(), int_part.data() + int_part.size(), whole_units);
  if ((ec != std::errc() && !int_part.empty()) || whole_units > (kMax - total) / unit->nanos)
    return fail(Errc::kInvalid, "duration '" + std::string(whole) + "' is too large");
  total += whole_units * unit->nanos;
  // The fraction digit by digit, so "1.5s" is exact and very long fractions cannot overflow.
  int64_t scale = unit->nanos;
  for (char digit : frac_part) {
    scale /= 10;
    if (scale == 0) break;
    total += (digit - '0') * scale;
    if (total < 0)
      return fail(Errc::kInvalid, "duration '" + std::string(whole) + "' is too large");
  }
  text.remove_prefix(unit_end);
  return {};
}

}  // namespace

core::Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  if (text.empty()) return fail(Errc::kInvalid, "empty duration: expected e.g. 10ms, 1s, 2m");
  if (text.front() == '-')
    return fail(Errc::kInvalid, "duration '" + std::string(text) + "' must not be negative");
  std::string_view rest = text;
  int64_t total = 0;
  while (!rest.empty()) {
    if (auto status = read_component(rest, text, total); !status)
      return std::unexpected(status.error());
  }
  return std::chrono::nanoseconds(total);
}

std::string format_duration(std::chrono::nanoseconds duration) {
  int64_t n = duration.count();
  if (n == 0) return "0s";
  std::string sign = n < 0 ? "-" : "";
  if (n < 0) n = -n;  // only reachable for negative values, which configs never hold
  for (auto it = std::rbegin(kUnits); it != std::rend(kUnits); ++it)
    if (n % it->nanos == 0) return sign + std::to_string(n / it->nanos) + std::string(it->name);
  return sign + std::to_string(n) + "ns";
}

core::Result<IpAddress> IpAddress::from_string(std::string_view text) {
  std::string s(text);
  IpAddress out;
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), out.bytes.data()) == 1) {
      out.family = AF_INET;
      return out;
    }
  } else if (inet_pton(AF_INET6, s.c_str(), out.bytes.data()) == 1) {
    out.family = AF_INET6;
    return out;
  }
  return fail(Errc::kInvalid, "invalid IP address '" + s + "'");
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family != AF_INET && family != AF_INET6) return "<no address>";
  inet_ntop(family, bytes.data(), buf, sizeof(buf));
  return buf;
}

bool IpAddress::is_v4() const { return family == AF_INET; }
bool IpAddress::is_v6() const { return family == AF_INET6; }

bool IpAddress::is_multicast() const {
  if (is_v4()) return (bytes[0] & 0xf0) == 0xe0;
  return is_v6() && bytes[0] == 0xff;
}

int IpAddress::mask_prefix_len() const {
  int len = 0;
  int total = max_prefix_len() / 8;
  bool seen_zero = false;
  for (int i = 0; i < total; ++i) {
    for (int bit = 7; bit >= 0; --bit) {
      bool one = (bytes[i] >> bit) & 1;
      if (one && seen_zero) return -1;
      if (one)
        ++len;
      else
        seen_zero = true;
    }
  }
  return len;
}

core::Result<IpPrefix> IpPrefix::from_string(std::string_view text) {
  size_t slash = text.find('/');
  auto addr = IpAddress::from_string(text.substr(0, slash));
  if (!addr) return std::unexpected(addr.error());
  IpPrefix out{*addr, addr->max_prefix_len()};
  if (slash == std::string_view::npos) return out;
  std::string_view len_text = text.substr(slash + 1);
  int len = -1;
  auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || ptr != len_text.data() + len_text.size() || len < 0 || len > out.len)
    return fail(Errc::kInvalid, "invalid prefix length in '" + std::string(text) +
                                    "': expected 0.." + std::to_string(out.len));
  out.len = len;
  return out;
}

std::string IpPrefix::to_string() const { return addr.to_string() + "/" + std::to_string(len); }

core::Result<Endpoint> Endpoint::from_string(std::string_view text, bool port_optional) {
  std::string_view host = text;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos)
      return fail(Errc::kInvalid, "invalid endpoint '" + std::string(text) + "': missing ']'");
    host = text.substr(1, close - 1);
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return fail(Errc::kInvalid, "invalid endpoint '" + std::string(text) + "'");
      port_text = after.substr(1);
      has_port = true;
    }
  } else if (size_t colon = text.rfind(':');
             colon != std::string_view::npos && text.find(':') == colon) {
    host = text.substr(0, colon);  // exactly one ':': IPv4 with port
    port_text = text.substr(colon + 1);
    has_port = true;
  } else if (colon != std::string_view::npos && !port_optional) {
    return fail(Errc::kInvalid, "invalid endpoint '" + std::string(text) +
                                    "': write IPv6 endpoints as [ADDRESS]:PORT");
  }
  auto addr = IpAddress::from_string(host);
  if (!addr) return fail(Errc::kInvalid, "invalid address in endpoint '" + std::string(text) + "'");
  Endpoint out{*addr, 0};
  if (!has_port) {
    if (port_optional) return out;
    return fail(Errc::kInvalid, "endpoint '" + std::string(text) + "' needs a port (ADDRESS:PORT)");
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 1 || port > 65535)
    return fail(Errc::kInvalid,
                "invalid port in endpoint '" + std::string(text) + "': expected 1..65535");
  out.port = static_cast<uint16_t>(port);
  return out;
}

std::string Endpoint::to_string() const {
  std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return port == 0 ? host : host + ":" + std::to_string(port);
}

const char* family_name(int family) {
  return family == AF_INET6 ? "IPv6" : family == AF_INET ? "IPv4" : "unknown family";
}

}  // namespace hadirector::config
