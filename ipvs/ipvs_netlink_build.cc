// Request side of the IPVS generic-netlink codec (see ipvs_netlink_codec.h).
#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <cstring>

#include "ipvs/ipvs_netlink_codec.h"

namespace hadirector::ipvs::codec {
namespace {

using core::Errc;

// Collects nla_put failures so the builders read as a list of fields.
class Writer {
 public:
  explicit Writer(nl_msg* msg) : msg_(msg) {}

  void bytes(int type, const void* data, std::size_t len) {
    if (ok_ && nla_put(msg_, type, static_cast<int>(len), data) < 0) ok_ = false;
  }
  void u8(int type, std::uint8_t v) { bytes(type, &v, sizeof(v)); }
  void u16(int type, std::uint16_t v) { bytes(type, &v, sizeof(v)); }
  void u32(int type, std::uint32_t v) { bytes(type, &v, sizeof(v)); }
  void be16(int type, std::uint16_t v) { u16(type, htons(v)); }
  void string(int type, const std::string& s) { bytes(type, s.c_str(), s.size() + 1); }
  // The kernel's address attributes are a union nf_inet_addr (16 bytes), as ipvsadm sends.
  void address(int type, const IpAddress& a) { bytes(type, a.bytes.data(), a.bytes.size()); }

  nlattr* nest_start(int type) {
    nlattr* n = ok_ ? nla_nest_start(msg_, type) : nullptr;
    if (n == nullptr) ok_ = false;
    return n;
  }
  void nest_end(nlattr* n) {
    if (ok_) nla_nest_end(msg_, n);
  }
  core::Status status(const char* what) const {
    if (ok_) return {};
    return core::fail(Errc::kInvalid, std::string("netlink message too small for ") + what);
  }

 private:
  nl_msg* msg_;
  bool ok_ = true;
};

bool valid_family(Family f) { return f == Family::kInet || f == Family::kInet6; }

core::Result<std::uint32_t> netmask_of(const Service& s) {
  const std::uint8_t p = s.persistence_prefix;
  if (s.family() == Family::kInet6) {
    if (p == kHostPrefix) return 128;
    if (p < 1 || p > 128)
      return core::fail(Errc::kInvalid, "IPv6 persistence prefix must be 1..128");
    return p;  // IPv6 services carry the prefix length itself, in host order
  }
  if (p == kHostPrefix) return 0xffffffffu;
  if (p > 32) return core::fail(Errc::kInvalid, "IPv4 persistence prefix must be 0..32");
  const std::uint32_t mask = p == 0 ? 0 : ~std::uint32_t{0} << (32 - p);
  return htonl(mask);
}

core::Status check_service(const Service& s, bool full) {
  if (!valid_family(s.family())) return core::fail(Errc::kInvalid, "unknown address family");
  if (!full) return {};
  if (s.scheduler.empty() || s.scheduler.size() >= IP_VS_SCHEDNAME_MAXLEN) {
    return core::fail(Errc::kInvalid, "scheduler name '" + s.scheduler + "' must have 1 to " +
                                          std::to_string(IP_VS_SCHEDNAME_MAXLEN - 1) + " chars");
  }
  return {};
}

}  // namespace

core::Status put_service(nl_msg* msg, const Service& s, bool full) {
  if (auto ok = check_service(s, full); !ok) return ok;
  auto netmask = netmask_of(s);
  if (!netmask) return std::unexpected(netmask.error());
  Writer w(msg);
  nlattr* nest = w.nest_start(IPVS_CMD_ATTR_SERVICE);
  w.u16(IPVS_SVC_ATTR_AF, static_cast<std::uint16_t>(s.family()));
  if (s.fwmark != 0) {
    w.u32(IPVS_SVC_ATTR_FWMARK, s.fwmark);
  } else {
    w.u16(IPVS_SVC_ATTR_PROTOCOL, static_cast<std::uint16_t>(s.protocol));
    w.address(IPVS_SVC_ATTR_ADDR, s.address);
    w.be16(IPVS_SVC_ATTR_PORT, s.port);
  }
  if (full) {
    w.string(IPVS_SVC_ATTR_SCHED_NAME, s.scheduler);
    // Never send kHashed: the kernel keeps that bit itself and mis-hashes a service given it.
    const ip_vs_flags flags{s.flags & ~std::uint32_t{kHashed}, ~std::uint32_t{kHashed}};
    w.bytes(IPVS_SVC_ATTR_FLAGS, &flags, sizeof(flags));
    w.u32(IPVS_SVC_ATTR_TIMEOUT, static_cast<std::uint32_t>(s.timeout.count()));
    w.u32(IPVS_SVC_ATTR_NETMASK, *netmask);
  }
  w.nest_end(nest);
  return w.status("service");
}

core::Status put_destination(nl_msg* msg, const Destination& d, bool full) {
  if (!valid_family(d.address.family)) return core::fail(Errc::kInvalid, "unknown address family");
  if (full && d.weight < 0) return core::fail(Errc::kInvalid, "negative weight");
  Writer w(msg);
  nlattr* nest = w.nest_start(IPVS_CMD_ATTR_DEST);
  w.u16(IPVS_DEST_ATTR_ADDR_FAMILY, static_cast<std::uint16_t>(d.address.family));
  w.address(IPVS_DEST_ATTR_ADDR, d.address);
  w.be16(IPVS_DEST_ATTR_PORT, d.port);
  if (full) {
    w.u32(IPVS_DEST_ATTR_FWD_METHOD, static_cast<std::uint32_t>(d.forwarding));
    w.u32(IPVS_DEST_ATTR_WEIGHT, static_cast<std::uint32_t>(d.weight));
    w.u32(IPVS_DEST_ATTR_U_THRESH, d.upper_threshold);
    w.u32(IPVS_DEST_ATTR_L_THRESH, d.lower_threshold);
    if (d.forwarding == Forwarding::kTunnel) {
      w.u8(IPVS_DEST_ATTR_TUN_TYPE, static_cast<std::uint8_t>(d.tunnel_type));
      w.be16(IPVS_DEST_ATTR_TUN_PORT, d.tunnel_port);
      w.u16(IPVS_DEST_ATTR_TUN_FLAGS, d.tunnel_flags);
    }
  }
  w.nest_end(nest);
  return w.status("destination");
}

core::Status put_sync_daemon(nl_msg* msg, const SyncDaemon& d) {
  if (d.interface.empty() || d.interface.size() >= IP_VS_IFNAME_MAXLEN) {
    return core::fail(Errc::kInvalid, "sync daemon interface name '" + d.interface + "'");
  }
  Writer w(msg);
  nlattr* nest = w.nest_start(IPVS_CMD_ATTR_DAEMON);
  w.u32(IPVS_DAEMON_ATTR_STATE, static_cast<std::uint32_t>(d.state));
  w.string(IPVS_DAEMON_ATTR_MCAST_IFN, d.interface);
  w.u32(IPVS_DAEMON_ATTR_SYNC_ID, d.sync_id);
  if (d.max_length != 0) w.u16(IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.max_length);
  if (d.group) {
    if (d.group->family == Family::kInet) {
      w.bytes(IPVS_DAEMON_ATTR_MCAST_GROUP, d.group->bytes.data(), 4);
    } else {
      w.bytes(IPVS_DAEMON_ATTR_MCAST_GROUP6, d.group->bytes.data(), 16);
    }
  }
  if (d.port != 0) w.u16(IPVS_DAEMON_ATTR_MCAST_PORT, d.port);
  if (d.ttl != 0) w.u8(IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl);
  w.nest_end(nest);
  return w.status("sync daemon");
}

core::Status put_sync_state(nl_msg* msg, SyncState state) {
  Writer w(msg);
  nlattr* nest = w.nest_start(IPVS_CMD_ATTR_DAEMON);
  w.u32(IPVS_DAEMON_ATTR_STATE, static_cast<std::uint32_t>(state));
  w.nest_end(nest);
  return w.status("sync daemon state");
}

core::Status put_timeouts(nl_msg* msg, const Timeouts& t) {
  for (auto v : {t.tcp, t.tcp_fin, t.udp}) {
    if (v.count() < 0 || v.count() > INT32_MAX) return core::fail(Errc::kInvalid, "timeout range");
  }
  Writer w(msg);
  if (t.tcp.count() != 0)
    w.u32(IPVS_CMD_ATTR_TIMEOUT_TCP, static_cast<std::uint32_t>(t.tcp.count()));
  if (t.tcp_fin.count() != 0) {
    w.u32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, static_cast<std::uint32_t>(t.tcp_fin.count()));
  }
  if (t.udp.count() != 0)
    w.u32(IPVS_CMD_ATTR_TIMEOUT_UDP, static_cast<std::uint32_t>(t.udp.count()));
  return w.status("timeouts");
}

}  // namespace hadirector::ipvs::codec
