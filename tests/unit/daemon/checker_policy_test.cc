// The real-server policy, one rule per test: failure handling, quorum with hysteresis and the
// sorry server, max_ejected_percent, slow start, agent advice and operator drains.
#include <gtest/gtest.h>

#include "daemon/real_server_policy.h"

namespace hadirector::daemon {
namespace {

using std::chrono::seconds;

config::VirtualServer vs_with(int servers, int weight = 10) {
  config::VirtualServer vs;
  vs.name = "web";
  vs.address = *config::Endpoint::from_string("192.0.2.1:80");
  for (int i = 0; i < servers; ++i) {
    config::RealServer rs;
    rs.address = *config::Endpoint::from_string("198.51.100." + std::to_string(11 + i) + ":80");
    rs.weight = weight;
    vs.real_servers.push_back(rs);
  }
  return vs;
}

RealServerInput up() {
  RealServerInput in;
  in.has_checks = true;
  in.healthy = true;
  return in;
}
RealServerInput down(std::string reason = "connect-refused") {
  RealServerInput in;
  in.has_checks = true;
  in.down_reason = std::move(reason);
  return in;
}
checkers::AgentAdvice advice(std::optional<checkers::AgentAdmin> admin,
                             std::optional<unsigned> percent = std::nullopt) {
  checkers::AgentAdvice a;
  a.admin = admin;
  a.weight_percent = percent;
  return a;
}

TEST(RealServerPolicy, HealthyServerGetsItsConfiguredWeight) {
  auto v = decide(vs_with(1), {up()}, true);
  EXPECT_EQ(v.real_servers[0].weight, 10);
  EXPECT_EQ(v.real_servers[0].state, RealServerState::kUp);
  EXPECT_EQ(v.real_servers[0].reason, "ok");
}

TEST(RealServerPolicy, ServerWithoutChecksIsUpAndUnchecked) {
  auto v = decide(vs_with(1), {RealServerInput{}}, true);
  EXPECT_EQ(v.real_servers[0].weight, 10);
  EXPECT_TRUE(v.real_servers[0].healthy);
  EXPECT_EQ(v.real_servers[0].state, RealServerState::kUnchecked);
}

TEST(RealServerPolicy, FailedServerIsRemovedByDefault) {
  auto v = decide(vs_with(2), {up(), down()}, true);
  EXPECT_FALSE(v.real_servers[1].weight);
  EXPECT_EQ(v.real_servers[1].state, RealServerState::kDown);
  EXPECT_EQ(v.real_servers[1].reason, "connect-refused");
}

TEST(RealServerPolicy, InhibitKeepsFailedServerAtWeightZero) {
  auto vs = vs_with(2);
  vs.on_failure = config::OnFailure::kInhibit;
  auto v = decide(vs, {up(), down()}, true);
  EXPECT_EQ(v.real_servers[1].weight, 0);
  EXPECT_EQ(v.real_servers[1].state, RealServerState::kInhibited);
}

TEST(RealServerPolicy, HashingSchedulersKeepFailedServersAtWeightZero) {
  for (const char* sched : {"mh", "sh"}) {
    auto vs = vs_with(2);
    vs.scheduler = sched;
    auto v = decide(vs, {up(), down()}, true);
    EXPECT_EQ(v.real_servers[1].weight, 0) << sched;
  }
}

TEST(RealServerPolicy, QuorumIsLostBelowTheLiveWeight) {
  auto vs = vs_with(2);
  vs.quorum = 15;
  EXPECT_TRUE(decide(vs, {up(), up()}, true).quorum_ok);
  EXPECT_FALSE(decide(vs, {up(), down()}, true).quorum_ok);
}

TEST(RealServerPolicy, QuorumHysteresisHoldsStateBetweenThresholds) {
  auto vs = vs_with(3);
  vs.quorum = 20;
  vs.quorum_hysteresis = 10;  // lost below 10, regained at 30
  EXPECT_TRUE(decide(vs, {up(), down(), down()}, true).quorum_ok);
  EXPECT_FALSE(decide(vs, {down(), down(), down()}, true).quorum_ok);
  EXPECT_FALSE(decide(vs, {up(), up(), down()}, false).quorum_ok);
  EXPECT_TRUE(decide(vs, {up(), up(), up()}, false).quorum_ok);
}

TEST(RealServerPolicy, SorryServerReplacesThePoolBelowQuorum) {
  auto vs = vs_with(2);
  vs.quorum = 15;
  vs.sorry_server = *config::Endpoint::from_string("198.51.100.99:80");
  auto v = decide(vs, {up(), down()}, true);
  EXPECT_FALSE(v.quorum_ok);
  EXPECT_EQ(v.sorry_weight, 1);
  EXPECT_FALSE(v.real_servers[0].weight);
  EXPECT_EQ(v.real_servers[0].reason, "quorum-lost");
}

TEST(RealServerPolicy, WithoutSorryServerLiveServersStayBelowQuorum) {
  auto vs = vs_with(2);
  vs.quorum = 15;
  auto v = decide(vs, {up(), down()}, true);
  EXPECT_FALSE(v.quorum_ok);
  EXPECT_FALSE(v.sorry_weight);
  EXPECT_EQ(v.real_servers[0].weight, 10);
}

TEST(RealServerPolicy, MaxEjectedPercentKeepsTheMostRecentFailuresIn) {
  auto vs = vs_with(4);
  vs.max_ejected_percent = 50;
  auto a = down(), b = down(), c = down();
  a.since_change = seconds(30);
  b.since_change = seconds(5);  // failed last: stays in
  c.since_change = seconds(20);
  auto v = decide(vs, {a, b, c, up()}, true);
  EXPECT_FALSE(v.real_servers[0].weight);
  EXPECT_EQ(v.real_servers[1].weight, 10);
  EXPECT_EQ(v.real_servers[1].reason, "max-ejected-percent");
  EXPECT_FALSE(v.real_servers[1].healthy);
  EXPECT_FALSE(v.real_servers[2].weight);
  ASSERT_EQ(v.notes.size(), 1u);
  EXPECT_NE(v.notes[0].find("198.51.100.12:80"), std::string::npos);
}

TEST(RealServerPolicy, SlowStartRampsWeightInSteps) {
  auto vs = vs_with(1, 100);
  vs.slow_start = seconds(10);
  auto in = up();
  in.since_change = seconds(0);
  auto first = decide(vs, {in}, true);
  EXPECT_EQ(first.real_servers[0].weight, 10);
  EXPECT_EQ(first.real_servers[0].state, RealServerState::kSlowStart);
  EXPECT_EQ(first.reevaluate_after, seconds(1));
  in.since_change = std::chrono::milliseconds(4500);
  auto mid = decide(vs, {in}, true);
  EXPECT_EQ(mid.real_servers[0].weight, 50);
  EXPECT_EQ(mid.reevaluate_after, std::chrono::milliseconds(500));
  in.since_change = seconds(10);
  auto done = decide(vs, {in}, true);
  EXPECT_EQ(done.real_servers[0].weight, 100);
  EXPECT_EQ(done.real_servers[0].state, RealServerState::kUp);
  EXPECT_FALSE(done.reevaluate_after);
}

TEST(RealServerPolicy, SlowStartNeverDropsWeightToZero) {
  auto vs = vs_with(1, 3);
  vs.slow_start = seconds(10);
  auto in = up();
  in.since_change = seconds(0);
  EXPECT_EQ(decide(vs, {in}, true).real_servers[0].weight, 1);
}

TEST(RealServerPolicy, NoSlowStartForAServerUpSinceTheStart) {
  auto vs = vs_with(1, 100);
  vs.slow_start = seconds(10);
  EXPECT_EQ(decide(vs, {up()}, true).real_servers[0].weight, 100);
}

TEST(RealServerPolicy, AgentWeightPercentScalesTheConfiguredWeight) {
  auto in = up();
  in.agent = advice(std::nullopt, 75);
  auto v = decide(vs_with(1, 100), {in}, true);
  EXPECT_EQ(v.real_servers[0].weight, 75);
  EXPECT_EQ(v.real_servers[0].reason, "agent-weight-75%");
}

TEST(RealServerPolicy, AgentDrainSetsWeightZero) {
  auto in = up();
  in.agent = advice(checkers::AgentAdmin::kDrain);
  auto v = decide(vs_with(1), {in}, true);
  EXPECT_EQ(v.real_servers[0].weight, 0);
  EXPECT_EQ(v.real_servers[0].state, RealServerState::kDraining);
  EXPECT_EQ(v.real_servers[0].reason, "agent-drain");
}

TEST(RealServerPolicy, AgentMaintTakesTheServerOut) {
  auto in = up();
  in.agent = advice(checkers::AgentAdmin::kMaint);
  auto v = decide(vs_with(1), {in}, true);
  EXPECT_FALSE(v.real_servers[0].weight);
  EXPECT_EQ(v.real_servers[0].reason, "agent-maint");
}

TEST(RealServerPolicy, OperatorDrainSetsWeightZeroAndDrainingState) {
  auto in = up();
  in.drained = true;
  auto v = decide(vs_with(2), {in, up()}, true);
  EXPECT_EQ(v.real_servers[0].weight, 0);
  EXPECT_EQ(v.real_servers[0].state, RealServerState::kDraining);
  EXPECT_EQ(v.real_servers[0].reason, "operator-drain");
}

TEST(RealServerPolicy, DrainedServersDoNotCountTowardsQuorum) {
  auto in = up();
  in.drained = true;
  EXPECT_FALSE(decide(vs_with(1), {in}, true).quorum_ok);
}

}  // namespace
}  // namespace hadirector::daemon
