// vrrp/io on the real kernel, in namespaces joined by a veth: VRRP adverts (encoded by the
// codec) cross between two RawVrrpSockets over IPv4 and IPv6, multicast and unicast, with TTL
// 255 and the right addresses; gratuitous ARP and unsolicited NA arrive with the fields RFC
// 5798 §6.4 asks for. Needs root; skips otherwise.
#include <gtest/gtest.h>
#include <net/ethernet.h>

#include <vector>

#include "tests/netns/vrrp_io_lab.h"
#include "vrrp/io/garp.h"
#include "vrrp/io/packet_gratuitous_sender.h"
#include "vrrp/packet.h"
#include "vrrp/receive_check.h"

namespace hadirector::testing {
namespace {

using vrrp::Family;
using vrrp::IpAddress;

struct Received {
  std::vector<uint8_t> payload;
  vrrp::PacketFacts facts;
};

class VrrpSocketNetns : public VrrpIoLab {
 protected:
  std::vector<uint8_t> advert(Family family, const IpAddress& src, const IpAddress& dst) {
    vrrp::Advert a;
    a.vrid = 51;
    a.priority = 150;
    a.family = family;
    a.addresses = {family == Family::kIpv4
                       ? IpAddress::v4(192, 0, 2, 100)
                       : vrrp::to_vrrp_address(*config::IpAddress::from_string("2001:db8::64"))};
    for (int i = 1; i < address_count_; ++i)  // more, for datagrams past the socket's head
      a.addresses.push_back(family == Family::kIpv4
                                ? IpAddress::v4(198, 51, static_cast<uint8_t>(i / 256),
                                                static_cast<uint8_t>(i % 256))
                                : vrrp::to_vrrp_address(*config::IpAddress::from_string(
                                      "2001:db8:1::" + std::to_string(i))));
    auto bytes = vrrp::encode_advert(a, src, dst);
    EXPECT_TRUE(bytes) << bytes.error().message();
    return bytes ? *bytes : std::vector<uint8_t>{};
  }
  core::Handle record(vrrp::VrrpSocket& socket, std::vector<Received>& into) {
    return socket.subscribe([&into](std::span<const uint8_t> p, const vrrp::PacketFacts& f) {
      into.push_back({{p.begin(), p.end()}, f});
    });
  }
  // Sends from a to b and returns what b received.
  std::vector<Received> exchange(Family family, const IpAddress& src, const IpAddress& dst) {
    auto sender = open_socket(a_, family);
    auto receiver = open_socket(b_, family);
    if (!sender || !receiver) return {};
    std::vector<Received> got, echoed;
    core::Handle h = record(*receiver, got);
    core::Handle own = record(*sender, echoed);
    auto payload = advert(family, src, dst);
    auto sent = sender->send(payload, dst, src);
    EXPECT_TRUE(sent) << sent.error().message();
    EXPECT_TRUE(run_until([&] { return !got.empty(); })) << "nothing received";
    EXPECT_TRUE(echoed.empty()) << "multicast loop is on: the sender heard itself";
    if (!got.empty()) {
      EXPECT_EQ(got[0].payload, payload);
      EXPECT_EQ(got[0].facts.ifindex, lab_.ifindex(b_, "veth0"));
    }
    return got;
  }
  int address_count_ = 1;
};

TEST_F(VrrpSocketNetns, Ipv4MulticastAdvertArrivesWithTtl255FromSenderToGroup) {
  IpAddress src = IpAddress::v4(192, 0, 2, 1);
  auto got = exchange(Family::kIpv4, src, vrrp::kVrrpGroupV4);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].facts.ttl, 255);
  EXPECT_EQ(got[0].facts.source, src);
  EXPECT_EQ(got[0].facts.destination, vrrp::kVrrpGroupV4);
  // What the socket hands over is exactly what the receive check needs.
  vrrp::ReceiveParams params;
  params.vrid = 51;
  params.virtual_addresses = {IpAddress::v4(192, 0, 2, 100)};
  vrrp::IpFacts ip{got[0].facts.ttl, got[0].facts.source, got[0].facts.destination};
  EXPECT_TRUE(
      std::holds_alternative<vrrp::Accepted>(vrrp::check_advert(got[0].payload, ip, params)));
}

// The socket reads into a small head per slot and a tail beyond it: a long advert arrives whole.
TEST_F(VrrpSocketNetns, LongAdvertsArriveWhole) {
  address_count_ = 200;  // 8 + 200 * 4 bytes after a 20-byte IPv4 header
  auto got = exchange(Family::kIpv4, IpAddress::v4(192, 0, 2, 1), vrrp::kVrrpGroupV4);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload.size(), 8u + 200 * 4);
  address_count_ = 100;  // 8 + 100 * 16 bytes
  got = exchange(Family::kIpv6, link_local(a_), vrrp::kVrrpGroupV6);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload.size(), 8u + 100 * 16);
}

TEST_F(VrrpSocketNetns, Ipv4UnicastAdvertArrivesAtThePeerAddress) {
  IpAddress src = IpAddress::v4(192, 0, 2, 1), peer = IpAddress::v4(192, 0, 2, 2);
  auto got = exchange(Family::kIpv4, src, peer);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].facts.ttl, 255);
  EXPECT_EQ(got[0].facts.source, src);
  EXPECT_EQ(got[0].facts.destination, peer);
}

TEST_F(VrrpSocketNetns, Ipv4SourceIsTheAddressTheSenderChose) {
  lab_.exec_ok(a_, {"ip", "addr", "add", "192.0.2.11/24", "dev", "veth0"});
  IpAddress chosen = IpAddress::v4(192, 0, 2, 11);
  auto got = exchange(Family::kIpv4, chosen, vrrp::kVrrpGroupV4);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].facts.source, chosen);
}

TEST_F(VrrpSocketNetns, Ipv6MulticastAdvertArrivesFromLinkLocalWithHopLimit255) {
  IpAddress src = link_local(a_);
  auto got = exchange(Family::kIpv6, src, vrrp::kVrrpGroupV6);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].facts.ttl, 255);
  EXPECT_EQ(got[0].facts.source, src);
  EXPECT_EQ(got[0].facts.destination, vrrp::kVrrpGroupV6);
}

TEST_F(VrrpSocketNetns, Ipv6UnicastAdvertArrivesAtThePeerLinkLocal) {
  IpAddress src = link_local(a_), peer = link_local(b_);
  auto got = exchange(Family::kIpv6, src, peer);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].facts.ttl, 255);
  EXPECT_EQ(got[0].facts.source, src);
  EXPECT_EQ(got[0].facts.destination, peer);
}

TEST_F(VrrpSocketNetns, SocketHearsOnlyItsOwnInterface) {
  std::string c = lab_.add_namespace();
  lab_.add_veth(b_, "veth1", c, "veth0");
  auto sender = open_socket(a_, Family::kIpv4);
  auto on_veth0 = open_socket(b_, Family::kIpv4, "veth0");
  auto on_veth1 = open_socket(b_, Family::kIpv4, "veth1");
  ASSERT_TRUE(sender && on_veth0 && on_veth1);
  std::vector<Received> got0, got1;
  core::Handle h0 = record(*on_veth0, got0), h1 = record(*on_veth1, got1);
  IpAddress src = IpAddress::v4(192, 0, 2, 1);
  ASSERT_TRUE(
      sender->send(advert(Family::kIpv4, src, vrrp::kVrrpGroupV4), vrrp::kVrrpGroupV4, src));
  ASSERT_TRUE(run_until([&] { return !got0.empty(); }));
  // veth0's copy has been handled; anything for veth1 would have been queued alongside.
  loop_->run_once(std::chrono::milliseconds(50));
  EXPECT_TRUE(got1.empty());
}

// Instances on one interface share its socket; each hears only its own VRID (the advert says
// 51), and one VRID's subscribers all hear it.
TEST_F(VrrpSocketNetns, VridSubscribersHearOnlyTheirVrid) {
  auto sender = open_socket(a_, Family::kIpv4);
  auto receiver = open_socket(b_, Family::kIpv4);
  ASSERT_TRUE(sender && receiver);
  int on51 = 0, also51 = 0, on52 = 0;
  core::Handle h51 = receiver->subscribe_vrid(51, [&](auto, const auto&) { ++on51; });
  core::Handle h51b = receiver->subscribe_vrid(51, [&](auto, const auto&) { ++also51; });
  core::Handle h52 = receiver->subscribe_vrid(52, [&](auto, const auto&) { ++on52; });
  IpAddress src = IpAddress::v4(192, 0, 2, 1);
  ASSERT_TRUE(
      sender->send(advert(Family::kIpv4, src, vrrp::kVrrpGroupV4), vrrp::kVrrpGroupV4, src));
  ASSERT_TRUE(run_until([&] { return on51 > 0; }));
  loop_->run_once(std::chrono::milliseconds(50));
  EXPECT_EQ(on51, 1);
  EXPECT_EQ(also51, 1);
  EXPECT_EQ(on52, 0);
}

TEST_F(VrrpSocketNetns, SendErrorNamesAddressesAndInterface) {
  auto sender = open_socket(a_, Family::kIpv4);
  ASSERT_TRUE(sender);
  // Not an address of this host: the kernel refuses it as a source.
  IpAddress foreign = IpAddress::v4(198, 51, 100, 7);
  auto sent =
      sender->send(advert(Family::kIpv4, foreign, vrrp::kVrrpGroupV4), vrrp::kVrrpGroupV4, foreign);
  ASSERT_FALSE(sent);
  EXPECT_NE(
      sent.error().message().find("send VRRP advert from 198.51.100.7 to 224.0.0.18 on veth0"),
      std::string::npos)
      << sent.error().message();
}

class GratuitousNetns : public VrrpIoLab {
 protected:
  void announce(const char* vip, const vrrp::MacAddress& mac) {
    vrrp::Announcement a;
    a.ifindex = lab_.ifindex(a_, "veth0");
    a.ifname = "veth0";
    a.mac = mac;
    a.vip = *config::IpAddress::from_string(vip);
    NetnsGuard guard(a_);
    auto sender = vrrp::PacketGratuitousSender::create();
    ASSERT_TRUE(sender) << sender.error().message();
    auto sent = (*sender)->announce(a);
    ASSERT_TRUE(sent) << sent.error().message();
  }
};

TEST_F(GratuitousNetns, GratuitousArpArrivesBroadcastFromVirtualMacWithVipAsSenderAndTarget) {
  core::UniqueFd cap = capture(b_, "veth0", ETH_P_ARP);
  vrrp::MacAddress vmac = vrrp::virtual_router_mac(false, 51);
  announce("192.0.2.100", vmac);
  auto frame = next_frame(cap.get(), [](const auto& f) { return f.size() >= 42; });
  ASSERT_TRUE(frame);
  const auto& f = *frame;
  EXPECT_EQ(std::vector<uint8_t>(f.begin(), f.begin() + 6), std::vector<uint8_t>(6, 0xff));
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + 6, f.begin() + 12),
            std::vector<uint8_t>(vmac.begin(), vmac.end()));
  EXPECT_EQ(f[20] << 8 | f[21], 1);  // ARP request
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + 22, f.begin() + 28),
            std::vector<uint8_t>(vmac.begin(), vmac.end()));
  std::vector<uint8_t> vip = {192, 0, 2, 100};
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + 28, f.begin() + 32), vip);  // sender IP
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + 38, f.begin() + 42), vip);  // target IP
}

TEST_F(GratuitousNetns, UnsolicitedNaArrivesAtAllNodesWithHopLimit255OverrideAndTargetMac) {
  core::UniqueFd cap = capture(b_, "veth0", ETH_P_IPV6);
  vrrp::MacAddress vmac = vrrp::virtual_router_mac(true, 51);
  announce("2001:db8::64", vmac);
  // Ethernet 14 + IPv6 40: next header 58 (ICMPv6), type 136.
  auto frame = next_frame(cap.get(), [](const auto& f) {
    return f.size() >= 14 + 40 + 32 && f[14 + 6] == 58 && f[54] == 136;
  });
  ASSERT_TRUE(frame);
  const auto& f = *frame;
  EXPECT_EQ(f[14 + 7], 255);  // hop limit (RFC 4861 §7.1.2)
  std::vector<uint8_t> all_nodes = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + 38, f.begin() + 54), all_nodes);
  EXPECT_NE(f[56] << 8 | f[57], 0);  // checksum filled in by the kernel
  EXPECT_EQ(f[58], 0x20);            // Override, not Solicited
  auto vip = config::IpAddress::from_string("2001:db8::64")->bytes;
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + 62, f.begin() + 78),
            std::vector<uint8_t>(vip.begin(), vip.end()));
  EXPECT_EQ(f[78], 2);  // target link-layer address option
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + 80, f.begin() + 86),
            std::vector<uint8_t>(vmac.begin(), vmac.end()));
}

TEST_F(GratuitousNetns, BurstOnTheLoopSendsCountArps) {
  core::UniqueFd cap = capture(b_, "veth0", ETH_P_ARP);
  std::unique_ptr<vrrp::PacketGratuitousSender> sender;
  {
    NetnsGuard guard(a_);
    auto created = vrrp::PacketGratuitousSender::create();
    ASSERT_TRUE(created);
    sender = std::move(*created);
  }
  vrrp::GratuitousBurst burst(*loop_, *sender);
  vrrp::Announcement a;
  a.ifindex = lab_.ifindex(a_, "veth0");
  a.ifname = "veth0";
  a.vip = *config::IpAddress::from_string("192.0.2.100");
  config::Garp garp;
  garp.count = 3;
  garp.interval = std::chrono::milliseconds(20);
  burst.start({a}, garp);
  ASSERT_TRUE(run_until([&] { return !burst.running(); }));
  int frames = 0;
  while (next_frame(
      cap.get(), [](const auto& f) { return f.size() >= 42; }, std::chrono::milliseconds(200)))
    ++frames;
  EXPECT_EQ(frames, 3);
  EXPECT_EQ(burst.sent(), 3u);
}

}  // namespace
}  // namespace hadirector::testing
