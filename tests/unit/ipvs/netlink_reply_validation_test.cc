// Kernel replies are untrusted input: hand-built replies that break the IPVS ABI (wrong
// lengths, unknown values, missing fields, truncation) must come back as Errors, not crashes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <functional>
#include <memory>
#include <string>

#include "ipvs/ipvs_netlink_codec.h"

namespace hadirector::ipvs {
namespace {

struct Reply {
  Reply() : msg(nlmsg_alloc(), nlmsg_free) {
    genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, 0x20, 0, 0, IPVS_CMD_NEW_SERVICE, 1);
  }
  // Writes one nested attribute of `type` whose body `fill` writes.
  void nest(int type, const std::function<void(nl_msg*)>& fill) {
    nlattr* n = nla_nest_start(msg.get(), type);
    fill(msg.get());
    nla_nest_end(msg.get(), n);
  }
  nl_msg* get() { return msg.get(); }
  std::unique_ptr<nl_msg, void (*)(nl_msg*)> msg;
};

// A valid IPv4 TCP service body; `skip` leaves one attribute out, `replace` writes instead.
void service_body(nl_msg* m, int skip, const std::function<void(nl_msg*)>& replace, int family) {
  const std::uint8_t addr[16] = {192, 0, 2, 1};
  const ip_vs_flags flags{0, ~0u};
  if (skip != IPVS_SVC_ATTR_AF) nla_put_u16(m, IPVS_SVC_ATTR_AF, family);
  if (skip != IPVS_SVC_ATTR_PROTOCOL) nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
  if (skip != IPVS_SVC_ATTR_ADDR) nla_put(m, IPVS_SVC_ATTR_ADDR, sizeof(addr), addr);
  if (skip != IPVS_SVC_ATTR_PORT) nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(80));
  if (skip != IPVS_SVC_ATTR_SCHED_NAME) nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, "rr");
  if (skip != IPVS_SVC_ATTR_FLAGS) nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(flags), &flags);
  if (skip != IPVS_SVC_ATTR_TIMEOUT) nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, 0);
  if (skip != IPVS_SVC_ATTR_NETMASK) nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, 0xffffffff);
  if (replace) replace(m);
}

core::Result<ServiceInfo> parse_service_with(int skip, const std::function<void(nl_msg*)>& add,
                                             int family = AF_INET) {
  Reply r;
  r.nest(IPVS_CMD_ATTR_SERVICE, [&](nl_msg* m) { service_body(m, skip, add, family); });
  return codec::parse_service_message(r.get());
}

void expect_protocol_error(const core::Result<ServiceInfo>& r, const std::string& what) {
  ASSERT_FALSE(r) << what;
  EXPECT_EQ(r.error().code(), core::Errc::kProtocol) << what;
  EXPECT_NE(r.error().context().find(what), std::string::npos) << r.error().context();
}

TEST(NetlinkReplyValidation, WellFormedServiceParses) {
  auto r = parse_service_with(0, {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->service.name(), "TCP 192.0.2.1:80");
}

TEST(NetlinkReplyValidation, PortOfThreeBytesIsRejected) {
  expect_protocol_error(parse_service_with(IPVS_SVC_ATTR_PORT,
                                           [](nl_msg* m) {
                                             const std::uint8_t p[3] = {0, 80, 0};
                                             nla_put(m, IPVS_SVC_ATTR_PORT, 3, p);
                                           }),
                        "port has 3 bytes, want 2");
}

TEST(NetlinkReplyValidation, MissingFieldsAreNamed) {
  expect_protocol_error(parse_service_with(IPVS_SVC_ATTR_AF, {}), "service without family");
  expect_protocol_error(parse_service_with(IPVS_SVC_ATTR_ADDR, {}), "service without address");
  expect_protocol_error(parse_service_with(IPVS_SVC_ATTR_FLAGS, {}), "service without flags");
  expect_protocol_error(parse_service_with(IPVS_SVC_ATTR_NETMASK, {}), "without netmask");
}

TEST(NetlinkReplyValidation, UnknownFamilyAndProtocolAreRejected) {
  expect_protocol_error(
      parse_service_with(IPVS_SVC_ATTR_AF,
                         [](nl_msg* m) { nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_PACKET); }),
      "unknown family 17");
  expect_protocol_error(
      parse_service_with(IPVS_SVC_ATTR_PROTOCOL,
                         [](nl_msg* m) { nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, 99); }),
      "service protocol 99");
}

TEST(NetlinkReplyValidation, SchedulerWithoutTerminatorOrTooLongIsRejected) {
  expect_protocol_error(
      parse_service_with(IPVS_SVC_ATTR_SCHED_NAME,
                         [](nl_msg* m) { nla_put(m, IPVS_SVC_ATTR_SCHED_NAME, 2, "rr"); }),
      "scheduler is not a short string");
  expect_protocol_error(
      parse_service_with(
          IPVS_SVC_ATTR_SCHED_NAME,
          [](nl_msg* m) { nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, "sixteen-chars-xx"); }),
      "scheduler is not a short string");
}

TEST(NetlinkReplyValidation, NonContiguousNetmaskIsRejected) {
  expect_protocol_error(
      parse_service_with(
          IPVS_SVC_ATTR_NETMASK,
          [](nl_msg* m) { nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, htonl(0xff00ff00)); }),
      "netmask not contiguous");
}

TEST(NetlinkReplyValidation, IPv6AddressOfFourBytesIsRejected) {
  expect_protocol_error(parse_service_with(
                            IPVS_SVC_ATTR_ADDR,
                            [](nl_msg* m) {
                              const std::uint8_t a[4] = {0x20, 0x01, 0x0d, 0xb8};
                              nla_put(m, IPVS_SVC_ATTR_ADDR, 4, a);
                            },
                            AF_INET6),
                        "address has bad length");
}

TEST(NetlinkReplyValidation, MissingServiceAttributeAndShortHeaderAreRejected) {
  Reply empty;
  expect_protocol_error(codec::parse_service_message(empty.get()), "service attribute missing");
  std::unique_ptr<nl_msg, void (*)(nl_msg*)> bare(nlmsg_alloc(), nlmsg_free);
  expect_protocol_error(codec::parse_service_message(bare.get()), "short generic netlink header");
}

void dest_body(nl_msg* m, std::uint32_t fwd, std::uint8_t tun_type) {
  const std::uint8_t addr[16] = {198, 51, 100, 7};
  nla_put(m, IPVS_DEST_ATTR_ADDR, sizeof(addr), addr);
  nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(80));
  nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, fwd);
  nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, 1);
  nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, 0);
  nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, 0);
  nla_put_u8(m, IPVS_DEST_ATTR_TUN_TYPE, tun_type);
}

core::Result<DestinationInfo> parse_dest(std::uint32_t fwd, std::uint8_t tun_type,
                                         const std::function<void(nl_msg*)>& extra = {}) {
  Reply r;
  r.nest(IPVS_CMD_ATTR_DEST, [&](nl_msg* m) {
    dest_body(m, fwd, tun_type);
    if (extra) extra(m);
  });
  return codec::parse_destination_message(r.get(), Family::kInet);
}

TEST(NetlinkReplyValidation, DestinationWithUnknownForwardingOrTunnelIsRejected) {
  ASSERT_TRUE(parse_dest(IP_VS_CONN_F_DROUTE, 0));
  auto fwd = parse_dest(9, 0);
  ASSERT_FALSE(fwd);
  EXPECT_EQ(fwd.error().context(), "malformed IPVS reply: destination forwarding method 9");
  auto tun = parse_dest(IP_VS_CONN_F_TUNNEL, 7);
  ASSERT_FALSE(tun);
  EXPECT_EQ(tun.error().context(), "malformed IPVS reply: destination tunnel type 7");
}

TEST(NetlinkReplyValidation, StatisticsAcceptBothWidthsAndRejectOthers) {
  auto ok = parse_dest(IP_VS_CONN_F_MASQ, 0, [](nl_msg* m) {
    nlattr* n = nla_nest_start(m, IPVS_DEST_ATTR_STATS);
    nla_put_u32(m, IPVS_STATS_ATTR_CONNS, 3);
    nla_put_u64(m, IPVS_STATS_ATTR_INBYTES, 1ull << 40);
    nla_nest_end(m, n);
  });
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->stats.connections, 3u);
  EXPECT_EQ(ok->stats.in_bytes, 1ull << 40);
  auto bad = parse_dest(IP_VS_CONN_F_MASQ, 0, [](nl_msg* m) {
    nlattr* n = nla_nest_start(m, IPVS_DEST_ATTR_STATS64);
    nla_put_u16(m, IPVS_STATS_ATTR_CONNS, 3);
    nla_nest_end(m, n);
  });
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().context().find("statistics counter 1 width"), std::string::npos);
}

TEST(NetlinkReplyValidation, SyncDaemonWithUnknownStateOrBigSyncIdIsRejected) {
  for (auto [state, id] : {std::pair{3u, 1u}, std::pair{1u, 256u}}) {
    Reply r;
    r.nest(IPVS_CMD_ATTR_DAEMON, [&](nl_msg* m) {
      nla_put_u32(m, IPVS_DAEMON_ATTR_STATE, state);
      nla_put_string(m, IPVS_DAEMON_ATTR_MCAST_IFN, "eth1");
      nla_put_u32(m, IPVS_DAEMON_ATTR_SYNC_ID, id);
    });
    auto parsed = codec::parse_sync_daemon_message(r.get());
    ASSERT_FALSE(parsed) << state << " " << id;
    EXPECT_EQ(parsed.error().code(), core::Errc::kProtocol);
  }
}

TEST(NetlinkReplyValidation, InfoNeedsVersionAndTableSize) {
  Reply r;
  nla_put_u32(r.get(), IPVS_INFO_ATTR_VERSION, 0x010201);
  auto missing = codec::parse_info_message(r.get());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().context(), "malformed IPVS reply: info without table size");
  nla_put_u32(r.get(), IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
  auto info = codec::parse_info_message(r.get());
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->version_string(), "1.2.1");
  EXPECT_EQ(info->connection_table_size, 4096u);
}

}  // namespace
}  // namespace hadirector::ipvs
