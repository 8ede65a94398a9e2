// Value types of the IPVS table (services, real servers, statistics, timeouts, sync daemons),
// mirroring the kernel's objects in include/uapi/linux/ip_vs.h, with names for messages.
// Header-only on purpose: the fakes and other modules use them without linking hd_ipvs.
// No netlink here (see ipvs_netlink_codec.h) and no I/O.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/result.h"

namespace hadirector::ipvs {

// Values are the kernel's AF_* numbers, so the codec passes them through.
enum class Family : std::uint16_t { kInet = 2, kInet6 = 10 };

// An IPv4 or IPv6 address in network byte order (IPv4 uses the first 4 bytes).
struct IpAddress {
  Family family = Family::kInet;
  std::array<std::uint8_t, 16> bytes{};

  static core::Result<IpAddress> parse(std::string_view text) {
    std::string s(text);
    IpAddress a;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
    a.family = Family::kInet6;
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) return a;
    return core::fail(core::Errc::kInvalid, "not an IP address: '" + s + "'");
  }
  static IpAddress any(Family family) { return IpAddress{family, {}}; }
  std::string to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    const int af = family == Family::kInet ? AF_INET : AF_INET6;
    if (inet_ntop(af, bytes.data(), buf, sizeof(buf)) == nullptr) return "?";
    return buf;
  }
  // "10.0.0.1:80", "[2001:db8::1]:80"
  std::string with_port(std::uint16_t port) const {
    if (family == Family::kInet6) return "[" + to_string() + "]:" + std::to_string(port);
    return to_string() + ":" + std::to_string(port);
  }
  std::size_t size() const { return family == Family::kInet ? 4 : 16; }
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// IPPROTO_* numbers.
enum class Protocol : std::uint16_t { kTcp = 6, kUdp = 17, kSctp = 132 };

inline std::string_view protocol_name(Protocol p) {
  switch (p) {
    case Protocol::kTcp:
      return "TCP";
    case Protocol::kUdp:
      return "UDP";
    case Protocol::kSctp:
      return "SCTP";
  }
  return "PROTO?";
}

// IP_VS_SVC_F_*. The scheduler flags are shared bits whose meaning depends on the scheduler
// (sh and mh both use SCHED1/SCHED2). kHashed is kernel bookkeeping: the client never sends it
// and drops it from what the kernel reports, so a listed Service compares equal to the added one.
enum ServiceFlag : std::uint32_t {
  kPersistent = 0x0001,
  kHashed = 0x0002,
  kOnePacket = 0x0004,
  kShFallback = 0x0008,
  kShPort = 0x0010,
  kMhFallback = 0x0008,
  kMhPort = 0x0010,
};

// Persistence netmask meaning "one client address" (/32 for IPv4, /128 for IPv6).
inline constexpr std::uint8_t kHostPrefix = 255;

// A virtual service: either protocol + address + port, or a firewall mark (fwmark != 0; the
// address is then IpAddress::any(family) and protocol/port are not part of its identity).
struct Service {
  IpAddress address;
  Protocol protocol = Protocol::kTcp;
  std::uint16_t port = 0;
  std::uint32_t fwmark = 0;
  std::string scheduler = "wlc";
  std::uint32_t flags = 0;                        // ServiceFlag bits
  std::chrono::seconds timeout{0};                // persistence timeout
  std::uint8_t persistence_prefix = kHostPrefix;  // persistence netmask as a prefix length

  Family family() const { return address.family; }
  // What the kernel identifies a service by.
  bool same_key(const Service& other) const {
    if (family() != other.family() || fwmark != other.fwmark) return false;
    if (fwmark != 0) return true;
    return protocol == other.protocol && address == other.address && port == other.port;
  }
  // "TCP 10.0.0.1:80", "UDP [2001:db8::1]:53", "FWM 5", "FWM 5 IPv6".
  std::string name() const {
    if (fwmark != 0) {
      return "FWM " + std::to_string(fwmark) + (family() == Family::kInet6 ? " IPv6" : "");
    }
    return std::string(protocol_name(protocol)) + " " + address.with_port(port);
  }
  friend bool operator==(const Service&, const Service&) = default;
};

// IP_VS_CONN_F_* forwarding methods, kernel values.
enum class Forwarding : std::uint32_t {
  kMasq = 0,
  kLocalNode = 1,
  kTunnel = 2,
  kDirectRoute = 3,
  kBypass = 4,
};
inline std::string_view forwarding_name(Forwarding f) {
  switch (f) {
    case Forwarding::kMasq:
      return "masq";
    case Forwarding::kLocalNode:
      return "local";
    case Forwarding::kTunnel:
      return "tunnel";
    case Forwarding::kDirectRoute:
      return "route";
    case Forwarding::kBypass:
      return "bypass";
  }
  return "forwarding?";
}

// IP_VS_CONN_F_TUNNEL_TYPE_*.
enum class TunnelType : std::uint8_t { kIpip = 0, kGue = 1, kGre = 2 };

// IP_VS_TUNNEL_ENCAP_FLAG_*.
enum TunnelFlag : std::uint16_t { kTunnelCsum = 0x1, kTunnelRemoteCsum = 0x2 };

// A real server of one service. Tunnel fields matter only with Forwarding::kTunnel.
struct Destination {
  IpAddress address;
  std::uint16_t port = 0;
  Forwarding forwarding = Forwarding::kDirectRoute;
  TunnelType tunnel_type = TunnelType::kIpip;
  std::uint16_t tunnel_port = 0;
  std::uint16_t tunnel_flags = 0;  // TunnelFlag bits
  std::int32_t weight = 1;
  std::uint32_t upper_threshold = 0;  // 0: no limit
  std::uint32_t lower_threshold = 0;

  bool same_key(const Destination& other) const {
    return address == other.address && port == other.port;
  }
  std::string name() const { return address.with_port(port); }  // "10.0.0.2:80", "[::2]:80"
  friend bool operator==(const Destination&, const Destination&) = default;
};

// Counters since the entry was created, and rates over the kernel's ~2 s estimator.
struct Stats {
  std::uint64_t connections = 0;
  std::uint64_t in_packets = 0;
  std::uint64_t out_packets = 0;
  std::uint64_t in_bytes = 0;
  std::uint64_t out_bytes = 0;
  std::uint64_t connection_rate = 0;
  std::uint64_t in_packet_rate = 0;
  std::uint64_t out_packet_rate = 0;
  std::uint64_t in_byte_rate = 0;
  std::uint64_t out_byte_rate = 0;
  friend bool operator==(const Stats&, const Stats&) = default;
};

struct ServiceInfo {
  Service service;
  Stats stats;
};

struct DestinationInfo {
  Destination destination;
  std::uint32_t active_connections = 0;
  std::uint32_t inactive_connections = 0;
  std::uint32_t persistent_connections = 0;
  Stats stats;
};

struct Info {
  std::uint32_t version = 0;  // 0x010201 for 1.2.1
  std::uint32_t connection_table_size = 0;
  std::string version_string() const {
    return std::to_string((version >> 16) & 0xff) + "." + std::to_string((version >> 8) & 0xff) +
           "." + std::to_string(version & 0xff);
  }
};

// Connection timeouts. In set_timeouts a zero leaves that timeout unchanged (kernel rule).
struct Timeouts {
  std::chrono::seconds tcp{0};
  std::chrono::seconds tcp_fin{0};
  std::chrono::seconds udp{0};
  friend bool operator==(const Timeouts&, const Timeouts&) = default;
};

// IP_VS_STATE_*.
enum class SyncState : std::uint32_t { kMaster = 1, kBackup = 2 };
inline std::string_view sync_state_name(SyncState s) {
  return s == SyncState::kMaster ? "master" : s == SyncState::kBackup ? "backup" : "state?";
}

// One sync daemon. Zero / absent optional fields ask the kernel for its defaults when starting;
// listed daemons carry the values the kernel actually uses.
struct SyncDaemon {
  SyncState state = SyncState::kMaster;
  std::string interface;  // multicast interface (mcast_ifn)
  std::uint8_t sync_id = 0;
  std::uint16_t max_length = 0;  // UDP payload size
  std::optional<IpAddress> group;
  std::uint16_t port = 0;
  std::uint8_t ttl = 0;
  friend bool operator==(const SyncDaemon&, const SyncDaemon&) = default;
};

}  // namespace hadirector::ipvs
