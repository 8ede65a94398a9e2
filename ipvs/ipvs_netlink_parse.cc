// Reply side of the IPVS generic-netlink codec (see ipvs_netlink_codec.h). Every accessor
// checks the attribute's exact length before reading it: a reply that does not match the
// kernel ABI is an Errc::kProtocol Error, never an out-of-bounds read.
#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <optional>

#include "ipvs/ipvs_netlink_codec.h"

namespace hadirector::ipvs::codec {
namespace {

using core::Errc;

core::Error bad(const std::string& what) {
  return core::Error(Errc::kProtocol, "malformed IPVS reply: " + what);
}

// The nested attributes of one object, indexed by type; `what` names the object in errors.
template <int kMax>
class Attrs {
 public:
  explicit Attrs(const char* what) : what_(what) {}

  core::Status parse_nested(nlattr* nested) {
    if (nested == nullptr) return std::unexpected(bad(std::string(what_) + " attribute missing"));
    if (nla_parse_nested(tb_.data(), kMax, nested, nullptr) < 0) {
      return std::unexpected(bad(std::string(what_) + " attributes do not parse"));
    }
    return {};
  }
  nlattr** table() { return tb_.data(); }
  bool has(int type) const { return tb_[type] != nullptr; }

  // Fixed-size integer in host order, exactly sizeof(T) bytes.
  template <typename T>
  core::Result<T> get(int type, const char* field, std::optional<T> fallback = {}) const {
    nlattr* a = tb_[type];
    if (a == nullptr) {
      if (fallback) return *fallback;
      return std::unexpected(bad(std::string(what_) + " without " + field));
    }
    if (nla_len(a) != static_cast<int>(sizeof(T))) {
      return std::unexpected(bad(std::string(what_) + " " + field + " has " +
                                 std::to_string(nla_len(a)) + " bytes, want " +
                                 std::to_string(sizeof(T))));
    }
    T v;
    std::memcpy(&v, nla_data(a), sizeof(T));
    return v;
  }

  // NUL-terminated string of at most max_len characters.
  core::Result<std::string> string(int type, const char* field, std::size_t max_len) const {
    nlattr* a = tb_[type];
    if (a == nullptr) return std::unexpected(bad(std::string(what_) + " without " + field));
    const auto* data = static_cast<const char*>(nla_data(a));
    const auto len = static_cast<std::size_t>(nla_len(a));
    const std::size_t n = strnlen(data, len);
    if (n == len || n > max_len) {
      return std::unexpected(bad(std::string(what_) + " " + field + " is not a short string"));
    }
    return std::string(data, n);
  }

  // An address of `family`: IPv4 as 4 bytes or as the kernel's 16-byte union, IPv6 as 16.
  core::Result<IpAddress> address(int type, const char* field, Family family) const {
    nlattr* a = tb_[type];
    if (a == nullptr) return std::unexpected(bad(std::string(what_) + " without " + field));
    const int len = nla_len(a);
    const bool ok = family == Family::kInet ? (len == 4 || len == 16) : len == 16;
    if (!ok) return std::unexpected(bad(std::string(what_) + " " + field + " has bad length"));
    IpAddress addr{family, {}};
    std::memcpy(addr.bytes.data(), nla_data(a), addr.size());
    return addr;
  }

 private:
  const char* what_;
  std::array<nlattr*, kMax + 1> tb_{};
};

// The first error among several parsed fields, so a parser can read all fields, then check.
template <typename... R>
std::optional<core::Error> first_error(const R&... results) {
  std::optional<core::Error> e;
  ((!e && !results ? (e = results.error(), 0) : 0), ...);
  return e;
}

core::Result<Family> family_of(std::uint16_t af, const char* what) {
  if (af == static_cast<std::uint16_t>(Family::kInet)) return Family::kInet;
  if (af == static_cast<std::uint16_t>(Family::kInet6)) return Family::kInet6;
  return std::unexpected(bad(std::string(what) + " has unknown family " + std::to_string(af)));
}

core::Result<std::uint8_t> prefix_of(std::uint32_t netmask, Family family) {
  if (family == Family::kInet6) {
    if (netmask == 128) return kHostPrefix;
    if (netmask < 1 || netmask > 128) return std::unexpected(bad("service IPv6 netmask"));
    return static_cast<std::uint8_t>(netmask);
  }
  const std::uint32_t mask = ntohl(netmask);
  const int ones = std::countl_one(mask);
  if (ones < 32 && (mask << ones) != 0)
    return std::unexpected(bad("service netmask not contiguous"));
  return ones == 32 ? kHostPrefix : static_cast<std::uint8_t>(ones);
}

core::Result<Protocol> protocol_of(std::uint16_t p) {
  switch (p) {
    case static_cast<std::uint16_t>(Protocol::kTcp):
    case static_cast<std::uint16_t>(Protocol::kUdp):
    case static_cast<std::uint16_t>(Protocol::kSctp):
      return static_cast<Protocol>(p);
  }
  return std::unexpected(bad("service protocol " + std::to_string(p)));
}

// Statistics come as STATS (some counters 32-bit) and, since Linux 4.1, STATS64; a counter of
// either width is accepted.
core::Result<std::uint64_t> counter(nlattr* tb[], int type) {
  nlattr* a = tb[type];
  if (a == nullptr) return 0;
  if (nla_len(a) == 8) return nla_get_u64(a);
  if (nla_len(a) == 4) return nla_get_u32(a);
  return std::unexpected(bad("statistics counter " + std::to_string(type) + " width"));
}

// Finds the top-level attribute `type` of a generic-netlink message.
core::Result<nlattr*> top_level(nl_msg* msg, int type, int max, std::array<nlattr*, 16>& tb) {
  nlmsghdr* hdr = nlmsg_hdr(msg);
  if (!genlmsg_valid_hdr(hdr, 0)) return std::unexpected(bad("short generic netlink header"));
  if (genlmsg_parse(hdr, 0, tb.data(), max, nullptr) < 0) {
    return std::unexpected(bad("top-level attributes do not parse"));
  }
  return tb[type];
}

}  // namespace

core::Result<Stats> parse_stats(nlattr* nested) {
  Attrs<IPVS_STATS_ATTR_MAX> a("statistics");
  if (auto ok = a.parse_nested(nested); !ok) return std::unexpected(ok.error());
  Stats s;
  // In IPVS_STATS_ATTR_* order, CONNS through OUTBPS.
  const std::array<std::uint64_t*, 10> fields = {
      &s.connections,     &s.in_packets,     &s.out_packets,     &s.in_bytes,     &s.out_bytes,
      &s.connection_rate, &s.in_packet_rate, &s.out_packet_rate, &s.in_byte_rate, &s.out_byte_rate};
  for (int type = IPVS_STATS_ATTR_CONNS; type <= IPVS_STATS_ATTR_OUTBPS; ++type) {
    auto v = counter(a.table(), type);
    if (!v) return std::unexpected(v.error());
    *fields[type - IPVS_STATS_ATTR_CONNS] = *v;
  }
  return s;
}

namespace {

// Prefers the 64-bit counters when the kernel sends both.
core::Result<Stats> stats_of(nlattr* tb[], int stats, int stats64) {
  if (tb[stats64] != nullptr) return parse_stats(tb[stats64]);
  if (tb[stats] != nullptr) return parse_stats(tb[stats]);
  return Stats{};
}

core::Status parse_service_key(const Attrs<IPVS_SVC_ATTR_MAX>& a, Service& s) {
  auto af = a.get<std::uint16_t>(IPVS_SVC_ATTR_AF, "family");
  if (!af) return std::unexpected(af.error());
  auto family = family_of(*af, "service");
  if (!family) return std::unexpected(family.error());
  s.address = IpAddress::any(*family);
  if (a.has(IPVS_SVC_ATTR_FWMARK)) {
    auto mark = a.get<std::uint32_t>(IPVS_SVC_ATTR_FWMARK, "fwmark");
    if (!mark) return std::unexpected(mark.error());
    if (*mark == 0) return std::unexpected(bad("service with fwmark 0"));
    s.fwmark = *mark;
    return {};
  }
  auto proto = a.get<std::uint16_t>(IPVS_SVC_ATTR_PROTOCOL, "protocol");
  if (!proto) return std::unexpected(proto.error());
  auto protocol = protocol_of(*proto);
  if (!protocol) return std::unexpected(protocol.error());
  auto addr = a.address(IPVS_SVC_ATTR_ADDR, "address", *family);
  if (!addr) return std::unexpected(addr.error());
  auto port = a.get<std::uint16_t>(IPVS_SVC_ATTR_PORT, "port");
  if (!port) return std::unexpected(port.error());
  s.protocol = *protocol;
  s.address = *addr;
  s.port = ntohs(*port);
  return {};
}

}  // namespace

core::Result<ServiceInfo> parse_service(nlattr* nested) {
  Attrs<IPVS_SVC_ATTR_MAX> a("service");
  if (auto ok = a.parse_nested(nested); !ok) return std::unexpected(ok.error());
  ServiceInfo info;
  Service& s = info.service;
  if (auto ok = parse_service_key(a, s); !ok) return std::unexpected(ok.error());
  auto sched = a.string(IPVS_SVC_ATTR_SCHED_NAME, "scheduler", IP_VS_SCHEDNAME_MAXLEN - 1);
  auto flags = a.get<ip_vs_flags>(IPVS_SVC_ATTR_FLAGS, "flags");
  auto timeout = a.get<std::uint32_t>(IPVS_SVC_ATTR_TIMEOUT, "timeout");
  auto netmask = a.get<std::uint32_t>(IPVS_SVC_ATTR_NETMASK, "netmask");
  if (auto e = first_error(sched, flags, timeout, netmask)) return std::unexpected(*e);
  auto prefix = prefix_of(*netmask, s.family());
  if (!prefix) return std::unexpected(prefix.error());
  s.scheduler = *sched;
  s.flags = flags->flags & ~std::uint32_t{kHashed};
  s.timeout = std::chrono::seconds(*timeout);
  s.persistence_prefix = *prefix;
  auto stats = stats_of(a.table(), IPVS_SVC_ATTR_STATS, IPVS_SVC_ATTR_STATS64);
  if (!stats) return std::unexpected(stats.error());
  info.stats = *stats;
  return info;
}

core::Result<DestinationInfo> parse_destination(nlattr* nested, Family service_family) {
  Attrs<IPVS_DEST_ATTR_MAX> a("destination");
  if (auto ok = a.parse_nested(nested); !ok) return std::unexpected(ok.error());
  auto af = a.get<std::uint16_t>(IPVS_DEST_ATTR_ADDR_FAMILY, "family",
                                 static_cast<std::uint16_t>(service_family));
  if (!af) return std::unexpected(af.error());
  auto family = family_of(*af, "destination");
  if (!family) return std::unexpected(family.error());
  auto addr = a.address(IPVS_DEST_ATTR_ADDR, "address", *family);
  auto port = a.get<std::uint16_t>(IPVS_DEST_ATTR_PORT, "port");
  auto fwd = a.get<std::uint32_t>(IPVS_DEST_ATTR_FWD_METHOD, "forwarding");
  auto weight = a.get<std::uint32_t>(IPVS_DEST_ATTR_WEIGHT, "weight");
  auto upper = a.get<std::uint32_t>(IPVS_DEST_ATTR_U_THRESH, "upper threshold");
  auto lower = a.get<std::uint32_t>(IPVS_DEST_ATTR_L_THRESH, "lower threshold");
  auto tun_type = a.get<std::uint8_t>(IPVS_DEST_ATTR_TUN_TYPE, "tunnel type", 0);
  auto tun_port = a.get<std::uint16_t>(IPVS_DEST_ATTR_TUN_PORT, "tunnel port", 0);
  auto tun_flags = a.get<std::uint16_t>(IPVS_DEST_ATTR_TUN_FLAGS, "tunnel flags", 0);
  auto active = a.get<std::uint32_t>(IPVS_DEST_ATTR_ACTIVE_CONNS, "active connections", 0);
  auto inactive = a.get<std::uint32_t>(IPVS_DEST_ATTR_INACT_CONNS, "inactive connections", 0);
  auto persist = a.get<std::uint32_t>(IPVS_DEST_ATTR_PERSIST_CONNS, "persistent connections", 0);
  if (auto e = first_error(addr, port, fwd, weight, upper, lower, tun_type, tun_port, tun_flags,
                           active, inactive, persist)) {
    return std::unexpected(*e);
  }
  if (*fwd > static_cast<std::uint32_t>(Forwarding::kBypass)) {
    return std::unexpected(bad("destination forwarding method " + std::to_string(*fwd)));
  }
  if (*tun_type > static_cast<std::uint8_t>(TunnelType::kGre)) {
    return std::unexpected(bad("destination tunnel type " + std::to_string(*tun_type)));
  }
  if (*weight > static_cast<std::uint32_t>(INT32_MAX)) return std::unexpected(bad("weight"));
  DestinationInfo info;
  Destination& d = info.destination;
  d.address = *addr;
  d.port = ntohs(*port);
  d.forwarding = static_cast<Forwarding>(*fwd);
  d.weight = static_cast<std::int32_t>(*weight);
  d.upper_threshold = *upper;
  d.lower_threshold = *lower;
  d.tunnel_type = static_cast<TunnelType>(*tun_type);
  d.tunnel_port = ntohs(*tun_port);
  d.tunnel_flags = *tun_flags;
  info.active_connections = *active;
  info.inactive_connections = *inactive;
  info.persistent_connections = *persist;
  auto stats = stats_of(a.table(), IPVS_DEST_ATTR_STATS, IPVS_DEST_ATTR_STATS64);
  if (!stats) return std::unexpected(stats.error());
  info.stats = *stats;
  return info;
}

core::Result<SyncDaemon> parse_sync_daemon(nlattr* nested) {
  Attrs<IPVS_DAEMON_ATTR_MAX> a("sync daemon");
  if (auto ok = a.parse_nested(nested); !ok) return std::unexpected(ok.error());
  auto state = a.get<std::uint32_t>(IPVS_DAEMON_ATTR_STATE, "state");
  auto ifn = a.string(IPVS_DAEMON_ATTR_MCAST_IFN, "interface", IP_VS_IFNAME_MAXLEN - 1);
  auto id = a.get<std::uint32_t>(IPVS_DAEMON_ATTR_SYNC_ID, "sync id");
  auto maxlen = a.get<std::uint16_t>(IPVS_DAEMON_ATTR_SYNC_MAXLEN, "max length", 0);
  auto port = a.get<std::uint16_t>(IPVS_DAEMON_ATTR_MCAST_PORT, "port", 0);
  auto ttl = a.get<std::uint8_t>(IPVS_DAEMON_ATTR_MCAST_TTL, "ttl", 0);
  if (auto e = first_error(state, ifn, id, maxlen, port, ttl)) return std::unexpected(*e);
  if (*state != 1 && *state != 2) return std::unexpected(bad("sync daemon state"));
  if (*id > 255) return std::unexpected(bad("sync id " + std::to_string(*id)));
  SyncDaemon d{static_cast<SyncState>(*state),
               *ifn,
               static_cast<std::uint8_t>(*id),
               *maxlen,
               std::nullopt,
               *port,
               *ttl};
  if (a.has(IPVS_DAEMON_ATTR_MCAST_GROUP)) {
    auto g = a.address(IPVS_DAEMON_ATTR_MCAST_GROUP, "group", Family::kInet);
    if (!g) return std::unexpected(g.error());
    d.group = *g;
  } else if (a.has(IPVS_DAEMON_ATTR_MCAST_GROUP6)) {
    auto g = a.address(IPVS_DAEMON_ATTR_MCAST_GROUP6, "group", Family::kInet6);
    if (!g) return std::unexpected(g.error());
    d.group = *g;
  }
  return d;
}

core::Result<ServiceInfo> parse_service_message(nl_msg* msg) {
  std::array<nlattr*, 16> tb{};
  auto a = top_level(msg, IPVS_CMD_ATTR_SERVICE, IPVS_CMD_ATTR_MAX, tb);
  if (!a) return std::unexpected(a.error());
  return parse_service(*a);
}

core::Result<DestinationInfo> parse_destination_message(nl_msg* msg, Family service_family) {
  std::array<nlattr*, 16> tb{};
  auto a = top_level(msg, IPVS_CMD_ATTR_DEST, IPVS_CMD_ATTR_MAX, tb);
  if (!a) return std::unexpected(a.error());
  return parse_destination(*a, service_family);
}

core::Result<SyncDaemon> parse_sync_daemon_message(nl_msg* msg) {
  std::array<nlattr*, 16> tb{};
  auto a = top_level(msg, IPVS_CMD_ATTR_DAEMON, IPVS_CMD_ATTR_MAX, tb);
  if (!a) return std::unexpected(a.error());
  return parse_sync_daemon(*a);
}

core::Result<Info> parse_info_message(nl_msg* msg) {
  std::array<nlattr*, 16> tb{};
  if (auto a = top_level(msg, 0, IPVS_INFO_ATTR_MAX, tb); !a) return std::unexpected(a.error());
  Attrs<IPVS_INFO_ATTR_MAX> attrs("info");
  std::copy_n(tb.begin(), IPVS_INFO_ATTR_MAX + 1, attrs.table());
  auto version = attrs.get<std::uint32_t>(IPVS_INFO_ATTR_VERSION, "version");
  auto size = attrs.get<std::uint32_t>(IPVS_INFO_ATTR_CONN_TAB_SIZE, "table size");
  if (auto e = first_error(version, size)) return std::unexpected(*e);
  return Info{*version, *size};
}

core::Result<Timeouts> parse_timeouts_message(nl_msg* msg) {
  std::array<nlattr*, 16> tb{};
  if (auto a = top_level(msg, 0, IPVS_CMD_ATTR_MAX, tb); !a) return std::unexpected(a.error());
  Attrs<IPVS_CMD_ATTR_MAX> attrs("timeouts");
  std::copy_n(tb.begin(), IPVS_CMD_ATTR_MAX + 1, attrs.table());
  auto tcp = attrs.get<std::uint32_t>(IPVS_CMD_ATTR_TIMEOUT_TCP, "tcp", 0);
  auto fin = attrs.get<std::uint32_t>(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, "tcp_fin", 0);
  auto udp = attrs.get<std::uint32_t>(IPVS_CMD_ATTR_TIMEOUT_UDP, "udp", 0);
  if (auto e = first_error(tcp, fin, udp)) return std::unexpected(*e);
  return Timeouts{std::chrono::seconds(*tcp), std::chrono::seconds(*fin),
                  std::chrono::seconds(*udp)};
}

}  // namespace hadirector::ipvs::codec
