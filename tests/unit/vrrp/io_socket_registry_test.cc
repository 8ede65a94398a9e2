// VrrpSocketRegistry sharing (one socket per interface and family, closed with its last
// owner), Subscribers' safety when callbacks unsubscribe, and the fake LAN that component
// tests of the VRRP glue run on.
#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "daemon/core/manual_scheduler.h"
#include "tests/fakes/fake_vrrp_io.h"
#include "vrrp/io/subscribers.h"
#include "vrrp/io/vrrp_socket_registry.h"

namespace hadirector::vrrp {
namespace {

using testing::FakeVrrpSocket;

struct Opened {
  int calls = 0;
  VrrpSocketRegistry::Opener opener() {
    return [this](int ifindex, Family family) -> core::Result<std::unique_ptr<VrrpSocket>> {
      ++calls;
      if (ifindex == 99) return core::fail_errno(ENODEV, "open VRRP socket on if99");
      return std::make_unique<FakeVrrpSocket>(ifindex, family);
    };
  }
};

TEST(VrrpSocketRegistry, SameInterfaceAndFamilyShareOneSocket) {
  Opened opened;
  VrrpSocketRegistry registry(opened.opener());
  auto a = registry.acquire(2, Family::kIpv4);
  auto b = registry.acquire(2, Family::kIpv4);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->get(), b->get());
  EXPECT_EQ(opened.calls, 1);
}

TEST(VrrpSocketRegistry, OtherFamilyOrInterfaceGetsItsOwnSocket) {
  Opened opened;
  VrrpSocketRegistry registry(opened.opener());
  auto v4 = registry.acquire(2, Family::kIpv4);
  auto v6 = registry.acquire(2, Family::kIpv6);
  auto other = registry.acquire(3, Family::kIpv4);
  EXPECT_NE(v4->get(), v6->get());
  EXPECT_NE(v4->get(), other->get());
  EXPECT_EQ(registry.open_count(), 3u);
}

TEST(VrrpSocketRegistry, LastReleaseClosesAndNextAcquireReopens) {
  Opened opened;
  VrrpSocketRegistry registry(opened.opener());
  {
    auto a = registry.acquire(2, Family::kIpv4);
    EXPECT_EQ(registry.open_count(), 1u);
  }
  EXPECT_EQ(registry.open_count(), 0u);
  auto again = registry.acquire(2, Family::kIpv4);
  ASSERT_TRUE(again);
  EXPECT_EQ(opened.calls, 2);
}

TEST(VrrpSocketRegistry, OpenerErrorIsPassedOn) {
  Opened opened;
  VrrpSocketRegistry registry(opened.opener());
  auto failed = registry.acquire(99, Family::kIpv4);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().sys_errno(), ENODEV);
}

TEST(Subscribers, CallbackMayUnsubscribeItselfAndOthers) {
  Subscribers<int> subs;
  std::vector<int> seen;
  core::Handle first, second;
  first = subs.add([&](int v) {
    seen.push_back(v);
    first.cancel();
    second.cancel();
  });
  second = subs.add([&](int v) { seen.push_back(100 + v); });
  subs.notify(1);
  subs.notify(2);
  EXPECT_EQ(seen, std::vector<int>{1});
  EXPECT_TRUE(subs.empty());
}

// The default subscribe_vrid (fakes use it; RawVrrpSocket indexes instead, tests/netns).
TEST(VrrpSocket, VridSubscriberHearsItsVridAndPacketsTooShortToNameOne) {
  FakeVrrpSocket socket(2, Family::kIpv4);
  std::vector<size_t> heard;
  core::Handle h = socket.subscribe_vrid(
      7, [&](std::span<const uint8_t> p, const PacketFacts&) { heard.push_back(p.size()); });
  const PacketFacts facts;
  const std::vector<uint8_t> ours = {0x31, 7, 100, 1, 0, 100, 0, 0, 192, 0, 2, 1};
  const std::vector<uint8_t> other = {0x31, 8, 100, 1, 0, 100, 0, 0, 192, 0, 2, 1};
  const std::vector<uint8_t> runt = {0x31, 8, 100};
  socket.deliver(ours, facts);
  socket.deliver(other, facts);
  socket.deliver(runt, facts);
  EXPECT_EQ(heard, (std::vector<size_t>{ours.size(), runt.size()}));
}

TEST(Subscribers, HandleOutlivingTheListIsHarmless) {
  core::Handle handle;
  {
    Subscribers<> subs;
    handle = subs.add([] {});
  }
  handle.cancel();
  SUCCEED();
}

class FakeLanTest : public ::testing::Test {
 protected:
  core::ManualScheduler clock_;
  testing::FakeVrrpLan lan_{clock_};
  FakeVrrpSocket a_{2, Family::kIpv4}, b_{3, Family::kIpv4}, c_{4, Family::kIpv4};
  std::vector<std::pair<char, PacketFacts>> got_;
  core::Handle hb_ = b_.subscribe([this](auto, const PacketFacts& f) { got_.push_back({'b', f}); });
  core::Handle hc_ = c_.subscribe([this](auto, const PacketFacts& f) { got_.push_back({'c', f}); });
  const std::vector<uint8_t> payload_ = {0x31, 1, 100, 1};
  const IpAddress src_ = IpAddress::v4(192, 0, 2, 1);

  void SetUp() override {
    lan_.attach(a_);
    lan_.attach(b_);
    lan_.attach(c_);
    b_.local_addresses = {IpAddress::v4(192, 0, 2, 2)};
  }
};

TEST_F(FakeLanTest, MulticastReachesEveryOtherSocketOneStepLater) {
  ASSERT_TRUE(a_.send(payload_, kVrrpGroupV4, src_));
  EXPECT_TRUE(got_.empty());
  clock_.run_due();
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].second.ttl, 255);
  EXPECT_EQ(got_[0].second.source, src_);
  EXPECT_EQ(got_[0].second.ifindex, 3);
}

TEST_F(FakeLanTest, UnicastReachesOnlyTheOwnerOfTheDestination) {
  ASSERT_TRUE(a_.send(payload_, IpAddress::v4(192, 0, 2, 2), src_));
  clock_.run_due();
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].first, 'b');
}

TEST_F(FakeLanTest, CutSocketNeitherSendsNorReceives) {
  lan_.cut(b_);
  ASSERT_TRUE(a_.send(payload_, kVrrpGroupV4, src_));
  ASSERT_TRUE(b_.send(payload_, kVrrpGroupV4, src_));
  clock_.run_due();
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].first, 'c');
}

TEST_F(FakeLanTest, FailedSendReportsTheErrnoAndCarriesNothing) {
  a_.fail_next_send(ENOBUFS);
  auto sent = a_.send(payload_, kVrrpGroupV4, src_);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().sys_errno(), ENOBUFS);
  clock_.run_due();
  EXPECT_TRUE(got_.empty());
}

}  // namespace
}  // namespace hadirector::vrrp

namespace hadirector::vrrp {
namespace {

TEST(FakeVmacManager, EnsureIsIdempotentAndNamesByVrid) {
  testing::FakeVmacManager vmacs;
  auto first = vmacs.ensure({.parent = "eth0", .name = "", .vrid = 51});
  auto again = vmacs.ensure({.parent = "eth0", .name = "", .vrid = 51});
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->name, "vrrp.51");
  EXPECT_EQ(first->ifindex, again->ifindex);
  EXPECT_EQ(format_mac(first->mac), "00:00:5e:00:01:33");
  EXPECT_TRUE(vmacs.remove("vrrp.51"));
  EXPECT_TRUE(vmacs.remove("vrrp.51"));
  EXPECT_TRUE(vmacs.links().empty());
}

}  // namespace
}  // namespace hadirector::vrrp
