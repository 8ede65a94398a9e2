// The IPVS generic-netlink codec without a kernel: what the builders write parses back into the
// same values (systemd test-netlink style), and replies that break the ABI become Errors.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <memory>

#include "ipvs/ipvs_netlink_codec.h"

namespace hadirector::ipvs {
namespace {

using std::chrono::seconds;

// A generic-netlink message as the kernel would send it, with any family id.
struct Message {
  Message() : msg(nlmsg_alloc(), nlmsg_free) {
    genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, 0x20, 0, 0, IPVS_CMD_NEW_SERVICE, 1);
  }
  nl_msg* get() { return msg.get(); }
  std::unique_ptr<nl_msg, void (*)(nl_msg*)> msg;
};

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

Service service(const char* addr, std::uint16_t port, Protocol proto = Protocol::kTcp) {
  Service s;
  s.address = ip(addr);
  s.port = port;
  s.protocol = proto;
  return s;
}

// The attributes inside the message's IPVS_CMD_ATTR_SERVICE, as the kernel would see them.
bool service_attrs(Message& m, nlattr** svc) {
  nlattr* tb[IPVS_CMD_ATTR_MAX + 1] = {};
  if (genlmsg_parse(nlmsg_hdr(m.get()), 0, tb, IPVS_CMD_ATTR_MAX, nullptr) != 0) return false;
  return nla_parse_nested(svc, IPVS_SVC_ATTR_MAX, tb[IPVS_CMD_ATTR_SERVICE], nullptr) == 0;
}

Service round_trip(const Service& s) {
  Message m;
  EXPECT_TRUE(codec::put_service(m.get(), s, true));
  auto parsed = codec::parse_service_message(m.get());
  EXPECT_TRUE(parsed) << parsed.error().message();
  return parsed ? parsed->service : Service{};
}

TEST(NetlinkCodec, ServicesOfEveryProtocolRoundTrip) {
  for (auto proto : {Protocol::kTcp, Protocol::kUdp, Protocol::kSctp}) {
    const Service s = service("192.0.2.10", 8080, proto);
    EXPECT_EQ(round_trip(s), s) << s.name();
  }
}

TEST(NetlinkCodec, IPv6ServiceWithPersistencePrefixRoundTrips) {
  Service s = service("2001:db8::10", 443);
  s.scheduler = "sh";
  s.flags = kPersistent | kShFallback | kShPort;
  s.timeout = seconds(600);
  s.persistence_prefix = 64;
  EXPECT_EQ(round_trip(s), s);
}

TEST(NetlinkCodec, FwmarkServicesRoundTripWithoutAddress) {
  for (auto family : {Family::kInet, Family::kInet6}) {
    Service s;
    s.address = IpAddress::any(family);
    s.fwmark = 42;
    s.scheduler = "mh";
    s.flags = kMhFallback | kMhPort | kOnePacket;
    EXPECT_EQ(round_trip(s), s) << s.name();
  }
}

TEST(NetlinkCodec, IPv4PersistencePrefixBecomesANetmask) {
  Service s = service("192.0.2.10", 80);
  s.flags = kPersistent;
  s.persistence_prefix = 24;
  Message m;
  ASSERT_TRUE(codec::put_service(m.get(), s, true));
  nlattr* svc[IPVS_SVC_ATTR_MAX + 1] = {};
  ASSERT_TRUE(service_attrs(m, svc));
  EXPECT_EQ(nla_get_u32(svc[IPVS_SVC_ATTR_NETMASK]), htonl(0xffffff00));
  EXPECT_EQ(round_trip(s), s);
}

TEST(NetlinkCodec, HashedFlagIsNeverSentAndDroppedFromReplies) {
  Service s = service("192.0.2.10", 80);
  s.flags = kPersistent | kHashed;
  Message m;
  ASSERT_TRUE(codec::put_service(m.get(), s, true));
  nlattr* svc[IPVS_SVC_ATTR_MAX + 1] = {};
  ASSERT_TRUE(service_attrs(m, svc));
  const auto* flags = static_cast<const ip_vs_flags*>(nla_data(svc[IPVS_SVC_ATTR_FLAGS]));
  EXPECT_EQ(flags->flags, std::uint32_t{kPersistent});
  EXPECT_EQ(flags->mask & kHashed, 0u);
  EXPECT_EQ(round_trip(s).flags, std::uint32_t{kPersistent});
}

TEST(NetlinkCodec, KeyOnlyServiceOmitsSchedulerSoLookupsDoNotChangeIt) {
  Message m;
  ASSERT_TRUE(codec::put_service(m.get(), service("192.0.2.10", 80), false));
  auto parsed = codec::parse_service_message(m.get());
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().context(), "malformed IPVS reply: service without scheduler");
}

TEST(NetlinkCodec, BuildRejectsValuesTheKernelWouldMisread) {
  Message m;
  Service s = service("192.0.2.10", 80);
  s.scheduler = "a-name-too-long-for-ipvs";
  EXPECT_EQ(codec::put_service(m.get(), s, true).error().code(), core::Errc::kInvalid);
  s.scheduler = "rr";
  s.persistence_prefix = 33;
  EXPECT_EQ(codec::put_service(m.get(), s, true).error().code(), core::Errc::kInvalid);
  Destination d;
  d.address = ip("192.0.2.20");
  d.weight = -1;
  EXPECT_EQ(codec::put_destination(m.get(), d, true).error().code(), core::Errc::kInvalid);
  SyncDaemon daemon;
  daemon.interface = "";
  EXPECT_EQ(codec::put_sync_daemon(m.get(), daemon).error().code(), core::Errc::kInvalid);
}

Destination round_trip(const Destination& d, Family service_family) {
  Message m;
  EXPECT_TRUE(codec::put_destination(m.get(), d, true));
  auto parsed = codec::parse_destination_message(m.get(), service_family);
  EXPECT_TRUE(parsed) << parsed.error().message();
  return parsed ? parsed->destination : Destination{};
}

TEST(NetlinkCodec, DestinationsOfEveryForwardingMethodRoundTrip) {
  for (auto fwd : {Forwarding::kMasq, Forwarding::kDirectRoute, Forwarding::kTunnel}) {
    Destination d;
    d.address = ip("198.51.100.7");
    d.port = 8080;
    d.forwarding = fwd;
    d.weight = 250;
    d.upper_threshold = 1000;
    d.lower_threshold = 100;
    EXPECT_EQ(round_trip(d, Family::kInet), d) << forwarding_name(fwd);
  }
}

TEST(NetlinkCodec, TunnelDestinationKeepsTypePortAndFlags) {
  Destination d;
  d.address = ip("2001:db8::7");
  d.port = 80;
  d.forwarding = Forwarding::kTunnel;
  d.tunnel_type = TunnelType::kGue;
  d.tunnel_port = 6080;
  d.tunnel_flags = kTunnelCsum | kTunnelRemoteCsum;
  // An IPv6 real server behind an IPv4 service: only tunnels may mix families.
  EXPECT_EQ(round_trip(d, Family::kInet), d);
}

TEST(NetlinkCodec, SyncDaemonsRoundTripWithEitherGroupFamily) {
  for (const char* group : {"239.1.2.3", "ff02::1:3"}) {
    const SyncDaemon d{SyncState::kBackup, "eth1", 51, 1400, ip(group), 9000, 3};
    Message m;
    ASSERT_TRUE(codec::put_sync_daemon(m.get(), d));
    auto parsed = codec::parse_sync_daemon_message(m.get());
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(*parsed, d);
  }
}

TEST(NetlinkCodec, TimeoutsRoundTripAndZeroIsLeftOut) {
  Message m;
  ASSERT_TRUE(codec::put_timeouts(m.get(), Timeouts{seconds(900), seconds(0), seconds(300)}));
  auto parsed = codec::parse_timeouts_message(m.get());
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(*parsed, (Timeouts{seconds(900), seconds(0), seconds(300)}));
}

}  // namespace
}  // namespace hadirector::ipvs
