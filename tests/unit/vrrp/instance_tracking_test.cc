// Component tests: tracking and interface state driving failover, unicast peers, IPv6,
// counted and rate-limited drops, in-place updates and the restarted-worker resume.
#include <gtest/gtest.h>

#include "tests/unit/vrrp/instance_lab.h"
#include "vrrp/packet.h"

namespace hadirector::testing {
namespace {

using std::chrono::milliseconds;
using vrrp::State;

class InstanceBehaviour : public InstanceLab {
 protected:
  // a (200) master, b (100) backup.
  void elect() {
    a_ = &add("192.0.2.1/24", instance_config("web", 200));
    b_ = &add("192.0.2.2/24", instance_config("web", 100));
    a_->instance->start();
    b_->instance->start();
    clock_.advance(milliseconds(1000));
    ASSERT_EQ(a_->state(), State::kMaster);
  }
  Router* a_ = nullptr;
  Router* b_ = nullptr;
};

TEST_F(InstanceBehaviour, NegativeTrackingWeightBelowThePeerMovesTheMaster) {
  elect();
  a_->instance->set_tracking(-150, false);  // 200 - 150 = 50 < 100
  EXPECT_EQ(a_->instance->effective_priority(), 50);
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(b_->state(), State::kMaster);
  EXPECT_EQ(a_->state(), State::kBackup);
  EXPECT_FALSE(a_->has_vip());
  // Recovered: a preempts back.
  a_->instance->set_tracking(0, false);
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(a_->state(), State::kMaster);
  EXPECT_EQ(b_->state(), State::kBackup);
}

TEST_F(InstanceBehaviour, TrackedFaultResignsWithPriorityZeroSoThePeerTakesOverAfterSkew) {
  elect();
  const core::TimePoint faulted = clock_.now();
  a_->instance->set_tracking(0, true);
  EXPECT_EQ(a_->state(), State::kFault);
  EXPECT_EQ(a_->transitions.back().reason, "fault_tracked");
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(b_->became(State::kMaster), faulted + std::chrono::microseconds(60937));
  a_->instance->set_tracking(0, false);
  EXPECT_EQ(a_->state(), State::kBackup);
}

TEST_F(InstanceBehaviour, InterfaceDownFaultsAndUpRejoins) {
  elect();
  a_->set_link(false);
  EXPECT_EQ(a_->state(), State::kFault);
  EXPECT_EQ(a_->transitions.back().reason, "interface_down");
  EXPECT_FALSE(a_->has_vip());
  lan_.cut(*a_->socket);  // a dead link carries nothing
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(b_->state(), State::kMaster);
  lan_.cut(*a_->socket, false);
  a_->set_link(true);
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(a_->state(), State::kMaster);
  EXPECT_EQ(masters(), 1);
}

TEST_F(InstanceBehaviour, AddressEventBurstCostsOneSourceLookupAndKeepsAdvertisingOnTime) {
  elect();
  const auto old_source = vrrp::to_vrrp_address(address("192.0.2.2"));
  ASSERT_EQ(b_->instance->source_address(), old_source);
  const int before = b_->addresses.source_lookups();
  // Thousands of events about other addresses cost nothing.
  for (int i = 0; i < 2000; ++i)
    b_->links.change_address({2, i % 2 == 0, prefix("198.51.100.1/32")});
  clock_.advance(milliseconds(50));
  EXPECT_EQ(b_->addresses.source_lookups(), before);
  // The host renumbers amid a burst and an overrun: one lookup, after the burst.
  ASSERT_TRUE(b_->addresses.remove_address("eth0", prefix("192.0.2.2/24")).has_value());
  ASSERT_TRUE(b_->addresses.add_address("eth0", prefix("192.0.2.8/24")).has_value());
  b_->links.change_address({2, false, prefix("192.0.2.2/24")});
  for (int i = 0; i < 2000; ++i)
    b_->links.change_address({2, i % 2 == 0, prefix("198.51.100.1/32")});
  b_->links.resync();
  EXPECT_EQ(b_->addresses.source_lookups(), before);
  clock_.advance(milliseconds(50));
  EXPECT_EQ(b_->addresses.source_lookups(), before + 1);
  EXPECT_EQ(b_->instance->source_address(), vrrp::to_vrrp_address(address("192.0.2.8")));
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(a_->state(), State::kMaster);
  EXPECT_EQ(b_->state(), State::kBackup);
}

TEST_F(InstanceBehaviour, UnicastRoutersAdvertiseOnlyToTheirPeers) {
  auto ca = instance_config("web", 200);
  ca.unicast = config::Unicast{address("192.0.2.1"), {address("192.0.2.2")}};
  auto cb = instance_config("web", 100);
  cb.unicast = config::Unicast{std::nullopt, {address("192.0.2.1")}};
  Router& a = add("192.0.2.1/24", ca);
  Router& b = add("192.0.2.2/24", cb);
  a.instance->start();
  b.instance->start();
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  ASSERT_FALSE(a.socket->sent().empty());
  for (const auto& s : a.socket->sent()) {
    EXPECT_EQ(s.destination, vrrp::to_vrrp_address(address("192.0.2.2")));
    EXPECT_EQ(s.source, vrrp::to_vrrp_address(address("192.0.2.1")));
  }
}

TEST_F(InstanceBehaviour, UnicastAdvertFromAnUnlistedSourceIsDroppedAsNotAPeer) {
  auto cb = instance_config("web", 100);
  cb.unicast = config::Unicast{std::nullopt, {address("192.0.2.9")}};
  Router& a = add("192.0.2.1/24", instance_config("web", 200));
  Router& b = add("192.0.2.2/24", cb);
  a.instance->start();
  b.instance->start();
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(b.state(), State::kMaster);  // never heard a
  EXPECT_GT(b.instance->counters().drops[static_cast<size_t>(vrrp::DropReason::kNotAPeer)], 0u);
}

TEST_F(InstanceBehaviour, Ipv6RoutersAdvertiseFromTheirLinkLocalAddress) {
  Router& a = add("fe80::1/64", instance_config("web6", 200, "2001:db8::100/64"));
  Router& b = add("fe80::2/64", instance_config("web6", 100, "2001:db8::100/64"));
  a.instance->start();
  b.instance->start();
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  EXPECT_TRUE(a.has("2001:db8::100/64"));
  ASSERT_FALSE(a.socket->sent().empty());
  EXPECT_EQ(a.socket->sent()[0].destination, vrrp::kVrrpGroupV6);
  EXPECT_EQ(a.socket->sent()[0].source, vrrp::to_vrrp_address(address("fe80::1")));
  EXPECT_EQ(a.instance->master_address(), vrrp::to_vrrp_address(address("fe80::1")));
}

TEST_F(InstanceBehaviour, FloodOfBadPacketsIsCountedByReasonAndLoggedAtABoundedRate) {
  elect();
  vrrp::PacketFacts facts{vrrp::to_vrrp_address(address("192.0.2.66")), vrrp::kVrrpGroupV4, 64, 2};
  const uint8_t junk[] = {0x31, 51, 100, 1, 0, 100, 0, 0, 192, 0, 2, 100};  // TTL 64
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 1000; ++i) b_->socket->deliver(junk, facts);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(b_->instance->counters().drops[static_cast<size_t>(vrrp::DropReason::kIpTtl)], 1000u);
  size_t lines = 0;
  for (size_t p = err.find("dropped advert"); p != std::string::npos;
       p = err.find("dropped advert", p + 1))
    ++lines;
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 5u);
  EXPECT_EQ(b_->state(), State::kBackup);
}

TEST_F(InstanceBehaviour, UpdateChangesOnlyTheChangedVipsAndNeverTransitions) {
  elect();
  const size_t before = a_->transitions.size();
  auto next = a_->instance->config().to_config();
  next.virtual_addresses = {prefix("192.0.2.100/24"), prefix("192.0.2.101/24")};
  next.priority = 210;
  a_->instance->update(next);
  EXPECT_TRUE(a_->has("192.0.2.101/24"));
  EXPECT_TRUE(a_->has("192.0.2.100/24"));
  EXPECT_EQ(a_->instance->effective_priority(), 210);
  next.virtual_addresses = {prefix("192.0.2.101/24")};
  next.advert_interval = milliseconds(200);
  a_->instance->update(next);
  EXPECT_FALSE(a_->has("192.0.2.100/24"));
  EXPECT_TRUE(a_->has("192.0.2.101/24"));
  clock_.advance(milliseconds(2000));
  EXPECT_EQ(a_->transitions.size(), before);
  EXPECT_EQ(a_->state(), State::kMaster);
  EXPECT_EQ(b_->state(), State::kBackup);
  // b learnt the new interval from the adverts (RFC 5798 §6.4.2).
  EXPECT_EQ(b_->instance->master_adver_interval(), milliseconds(200));
}

TEST_F(InstanceBehaviour, RestartWithOurVipPresentResumesMasterAndAdvertisesAtOnce) {
  Router& a = add("192.0.2.1/24", instance_config("web", 200));
  (void)a.addresses.add_address("eth0", prefix("192.0.2.100/24"));
  a.instance->start();
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(a.transitions.back().reason, "resume");
  EXPECT_EQ(a.transitions.back().from, State::kInitialize);
  EXPECT_EQ(a.socket->sent().size(), 1u);
}

TEST_F(InstanceBehaviour, LeftoverVipIsRemovedWhenPreemptIsOff) {
  auto cfg = instance_config("web", 200);
  cfg.preempt = false;
  Router& a = add("192.0.2.1/24", cfg);
  (void)a.addresses.add_address("eth0", prefix("192.0.2.100/24"));
  a.instance->start();
  EXPECT_EQ(a.state(), State::kBackup);
  EXPECT_FALSE(a.has_vip());
}

TEST_F(InstanceBehaviour, MissingInterfaceIsAFaultUntilItAppears) {
  auto cfg = instance_config("web", 200);
  cfg.interface = "eth1";
  Router& a = add("192.0.2.1/24", cfg);
  a.instance->start();
  EXPECT_EQ(a.state(), State::kFault);
  a.addresses.add_link("eth1", 3);
  (void)a.addresses.add_address("eth1", prefix("192.0.2.1/24"));
  a.links.set_link({3, "eth1", true, true, true});
  EXPECT_EQ(a.state(), State::kBackup);
  EXPECT_EQ(a.transitions.back().from, State::kFault);
  EXPECT_EQ(a.transitions.back().reason, "interface_up");
  // It knows its address now: it wins a tie against a lower address.
  Router& b = add("192.0.2.0/24", instance_config("web", 200));
  b.instance->start();
  clock_.advance(milliseconds(2000));
  EXPECT_EQ(masters(), 1);
  EXPECT_EQ(a.state(), State::kMaster);
}

}  // namespace
}  // namespace hadirector::testing
