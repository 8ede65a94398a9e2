// Component tests: VrrpInstances on an in-memory LAN with a manual clock. Election, master
// failure, preemption, priority-0 hand-off and split-brain healing, with exact virtual times
// (RFC 5798 §6.1: Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time).
#include <gtest/gtest.h>

#include "tests/unit/vrrp/instance_lab.h"

namespace hadirector::testing {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using vrrp::State;

// v3 at 100 ms: Skew_Time = (256 - priority) * 100 ms / 256.
constexpr microseconds kDown200{300000 + 21875};  // priority 200
constexpr microseconds kDown100{300000 + 60937};  // priority 100
constexpr microseconds kSkew100{60937};

class InstanceElection : public InstanceLab {};

TEST_F(InstanceElection, HigherPriorityBecomesMasterAfterItsMasterDownInterval) {
  Router& a = add("192.0.2.1/24", instance_config("web", 200));
  Router& b = add("192.0.2.2/24", instance_config("web", 100));
  a.instance->start();
  b.instance->start();
  EXPECT_EQ(a.state(), State::kBackup);
  EXPECT_EQ(b.state(), State::kBackup);
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  EXPECT_EQ(a.became(State::kMaster), t0() + kDown200);
  EXPECT_EQ(a.transitions.back().reason, "master_down_timer");
  EXPECT_TRUE(a.has_vip());
  EXPECT_FALSE(b.has_vip());
  ASSERT_FALSE(a.garp.announced().empty());
  EXPECT_EQ(a.garp.announced()[0].vip, address("192.0.2.100"));
  EXPECT_EQ(b.instance->master_address(), vrrp::to_vrrp_address(address("192.0.2.1")));
  EXPECT_EQ(b.instance->counters().adverts_received, a.instance->counters().adverts_sent);
}

TEST_F(InstanceElection, BackupTakesOverOneMasterDownIntervalAfterTheLastAdvert) {
  Router& a = add("192.0.2.1/24", instance_config("web", 200));
  Router& b = add("192.0.2.2/24", instance_config("web", 100));
  a.instance->start();
  b.instance->start();
  clock_.advance_to(t0() + kDown200 + milliseconds(550));  // last advert at +500 ms
  ASSERT_EQ(a.state(), State::kMaster);
  lan_.cut(*a.socket);
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(b.state(), State::kMaster);
  // The master's adverts leave on the 1 ms grid of 100 ms adverts (instance.cc).
  const core::TimePoint last_advert(
      std::chrono::round<milliseconds>((t0() + kDown200 + milliseconds(500)).time_since_epoch()));
  EXPECT_EQ(b.became(State::kMaster), last_advert + kDown100);
  EXPECT_TRUE(b.has_vip());
}

TEST_F(InstanceElection, StartingHigherPriorityRouterPreemptsWhenPreemptOn) {
  Router& b = add("192.0.2.2/24", instance_config("web", 100));
  b.instance->start();
  clock_.advance(milliseconds(1000));
  ASSERT_EQ(b.state(), State::kMaster);
  Router& a = add("192.0.2.1/24", instance_config("web", 200));
  a.instance->start();
  const core::TimePoint started = clock_.now();
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  // It discards the lower-priority adverts and takes over when its master-down timer runs out.
  EXPECT_EQ(a.became(State::kMaster), started + kDown200);
  EXPECT_EQ(b.transitions.back().reason, "higher_priority_advert");
  EXPECT_TRUE(a.has_vip());
  EXPECT_FALSE(b.has_vip());
}

TEST_F(InstanceElection, StartingHigherPriorityRouterStaysBackupWhenPreemptOff) {
  Router& b = add("192.0.2.2/24", instance_config("web", 100));
  b.instance->start();
  clock_.advance(milliseconds(1000));
  auto cfg = instance_config("web", 200);
  cfg.preempt = false;
  Router& a = add("192.0.2.1/24", cfg);
  a.instance->start();
  clock_.advance(milliseconds(5000));
  EXPECT_EQ(a.state(), State::kBackup);
  EXPECT_EQ(b.state(), State::kMaster);
}

TEST_F(InstanceElection, StartingHigherPriorityRouterWithPreemptDelayWaitsThenTakesOver) {
  Router& b = add("192.0.2.2/24", instance_config("web", 100));
  b.instance->start();
  clock_.advance(milliseconds(1000));
  auto cfg = instance_config("web", 200);
  cfg.preempt_delay = milliseconds(8000);
  Router& a = add("192.0.2.1/24", cfg);
  a.instance->start();
  const core::TimePoint started = clock_.now();
  // Without the delay it would be MASTER after its Master_Down_Interval (~3.2 s); with it, the
  // delay runs from b's first advert and a takes over a skew time after it ends.
  clock_.advance(milliseconds(7000));
  EXPECT_EQ(a.state(), State::kBackup);
  EXPECT_EQ(b.state(), State::kMaster);
  clock_.advance(milliseconds(3000));
  EXPECT_GE(a.became(State::kMaster) - started, milliseconds(8000));  // the delay, then a skew
  EXPECT_EQ(a.transitions.back().reason, "preempted_lower_priority");
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  EXPECT_TRUE(a.has_vip());
  EXPECT_FALSE(b.has_vip());
}

TEST_F(InstanceElection, GracefulStopHandsOverAfterSkewTime) {
  Router& a = add("192.0.2.1/24", instance_config("web", 200));
  Router& b = add("192.0.2.2/24", instance_config("web", 100));
  start_all();
  ASSERT_EQ(a.state(), State::kMaster);
  const core::TimePoint stopped = clock_.now();
  a.instance->stop();
  EXPECT_EQ(a.state(), State::kInitialize);
  EXPECT_FALSE(a.has_vip());
  EXPECT_EQ(a.transitions.back().reason, "shutdown");
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(b.state(), State::kMaster);
  EXPECT_EQ(b.became(State::kMaster), stopped + kSkew100);
  EXPECT_EQ(b.transitions.back().reason, "priority_zero_received");
  EXPECT_EQ(a.instance->counters().priority_zero_sent, 1u);  // RFC 6527 counters
  EXPECT_EQ(b.instance->counters().priority_zero_received, 1u);
  EXPECT_EQ(a.instance->counters().priority_zero_received, 0u);
}

TEST_F(InstanceElection, HealedSplitBrainSettlesWithinOneAdvertInterval) {
  Router& a = add("192.0.2.1/24", instance_config("web", 200));
  Router& b = add("192.0.2.2/24", instance_config("web", 100));
  Router& c = add("192.0.2.3/24", instance_config("web", 50));
  a.instance->start();
  b.instance->start();
  c.instance->start();
  clock_.advance(milliseconds(1000));
  ASSERT_EQ(masters(), 1);
  lan_.cut(*a.socket);
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(masters(), 2);  // a, and b behind the cut
  lan_.cut(*a.socket, false);
  clock_.advance(milliseconds(100));
  EXPECT_EQ(masters(), 1);
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_FALSE(b.has_vip());
  EXPECT_FALSE(c.has_vip());
}

TEST_F(InstanceElection, EqualPrioritiesElectTheHigherAddress) {
  add("192.0.2.1/24", instance_config("web", 100));
  Router& b = add("192.0.2.2/24", instance_config("web", 100));
  start_all(milliseconds(2000));
  EXPECT_EQ(masters(), 1);
  EXPECT_EQ(b.state(), State::kMaster);
}

TEST_F(InstanceElection, AddressOwnerBecomesMasterAtOnce) {
  Router& a = add("192.0.2.1/24", instance_config("web", 255));
  a.instance->start();
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(a.transitions.back().reason, "priority_255_owner");
  EXPECT_TRUE(a.has_vip());
}

}  // namespace
}  // namespace hadirector::testing
