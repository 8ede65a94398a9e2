// The reconciler's pure plan: desired table vs the kernel's, in the smallest ordered op list.
#include <gtest/gtest.h>

#include "ipvs/reconciler.h"

namespace hadirector::ipvs {
namespace {

using std::chrono::seconds;

Service tcp(const char* addr, std::uint16_t port, const char* sched = "wlc") {
  Service s;
  s.address = *IpAddress::parse(addr);
  s.port = port;
  s.scheduler = sched;
  return s;
}

Destination dest(const char* addr, int weight = 1) {
  Destination d;
  d.address = *IpAddress::parse(addr);
  d.port = 80;
  d.weight = weight;
  return d;
}

std::vector<std::string> described(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& op : plan.ops) out.push_back(op.describe());
  return out;
}

DesiredService wanted(Service s, std::vector<Destination> dests = {},
                      core::Duration drain = core::Duration::zero(),
                      std::vector<Destination> undecided = {}) {
  DesiredService d;
  d.service = std::move(s);
  d.destinations = std::move(dests);
  d.remove_drain_time = drain;
  d.undecided = std::move(undecided);
  return d;
}

const core::TimePoint kNow = core::TimePoint(std::chrono::hours(100));

TEST(ReconcilerPlan, AddsServiceBeforeItsDestinations) {
  Plan p = plan_changes({wanted(tcp("10.0.0.1", 80), {dest("10.0.0.2", 5), dest("10.0.0.3", 7)})},
                        {}, {}, {}, kNow);
  EXPECT_EQ(described(p), (std::vector<std::string>{
                              "add service TCP 10.0.0.1:80 (scheduler wlc, new)",
                              "add destination 10.0.0.2:80 to TCP 10.0.0.1:80 (weight 5, new)",
                              "add destination 10.0.0.3:80 to TCP 10.0.0.1:80 (weight 7, new)"}));
}

TEST(ReconcilerPlan, MatchingKernelTableNeedsNoOperation) {
  std::vector<DesiredService> want = {wanted(tcp("10.0.0.1", 80), {dest("10.0.0.2", 5)})};
  std::vector<ObservedService> have = {{tcp("10.0.0.1", 80), {dest("10.0.0.2", 5)}}};
  EXPECT_TRUE(plan_changes(want, have, {}, {}, kNow).ops.empty());
}

TEST(ReconcilerPlan, WeightChangeIsAnEditNotDeleteAndAdd) {
  Plan p = plan_changes({wanted(tcp("10.0.0.1", 80), {dest("10.0.0.2", 0)})},
                        {{tcp("10.0.0.1", 80), {dest("10.0.0.2", 5)}}}, {}, {}, kNow);
  ASSERT_EQ(p.ops.size(), 1u);
  EXPECT_EQ(p.ops[0].kind, OpKind::kEditDestination);
  EXPECT_EQ(p.ops[0].reason, "weight 5 -> 0");
  EXPECT_EQ(p.ops[0].destination.weight, 0);
}

TEST(ReconcilerPlan, SchedulerChangeIsAServiceEdit) {
  Plan p = plan_changes({wanted(tcp("10.0.0.1", 80, "rr"), {})}, {{tcp("10.0.0.1", 80, "wlc"), {}}},
                        {}, {}, kNow);
  ASSERT_EQ(p.ops.size(), 1u);
  EXPECT_EQ(p.ops[0].kind, OpKind::kEditService);
  EXPECT_EQ(p.ops[0].service.scheduler, "rr");
}

TEST(ReconcilerPlan, AddsNewDestinationsBeforeDeletingOldOnes) {
  Plan p = plan_changes({wanted(tcp("10.0.0.1", 80), {dest("10.0.0.3")})},
                        {{tcp("10.0.0.1", 80), {dest("10.0.0.2")}}}, {}, {}, kNow);
  ASSERT_EQ(p.ops.size(), 2u);
  EXPECT_EQ(p.ops[0].kind, OpKind::kAddDestination);
  EXPECT_EQ(p.ops[1].kind, OpKind::kDeleteDestination);
  EXPECT_EQ(p.ops[1].destination.name(), "10.0.0.2:80");
}

TEST(ReconcilerPlan, NeverTouchesServicesItDoesNotOwn) {
  std::vector<ObservedService> have = {{tcp("10.9.9.9", 80), {dest("10.9.9.10")}},
                                       {tcp("10.0.0.1", 80), {}}};
  Plan p = plan_changes({wanted(tcp("10.0.0.1", 80), {})}, have, {}, {}, kNow);
  EXPECT_TRUE(p.ops.empty());
}

TEST(ReconcilerPlan, DeletesReleasedServicesLast) {
  std::vector<ObservedService> have = {{tcp("10.0.0.9", 80), {dest("10.0.0.2")}}};
  Plan p = plan_changes({wanted(tcp("10.0.0.1", 80), {dest("10.0.0.2")})}, have,
                        {tcp("10.0.0.9", 80)}, {}, kNow);
  ASSERT_EQ(p.ops.size(), 3u);
  EXPECT_EQ(p.ops[2].kind, OpKind::kDeleteService);
  EXPECT_EQ(p.ops[2].service.name(), "TCP 10.0.0.9:80");
}

TEST(ReconcilerPlan, ReleasedServiceAlreadyGoneNeedsNothing) {
  EXPECT_TRUE(plan_changes({}, {}, {tcp("10.0.0.9", 80)}, {}, kNow).ops.empty());
}

TEST(ReconcilerPlan, RemovedServerDrainsAtWeightZeroFirst) {
  DesiredService want = wanted(tcp("10.0.0.1", 80), {}, seconds(10));
  Plan p = plan_changes({want}, {{tcp("10.0.0.1", 80), {dest("10.0.0.2", 5)}}}, {}, {}, kNow);
  ASSERT_EQ(p.ops.size(), 1u);
  EXPECT_EQ(p.ops[0].kind, OpKind::kEditDestination);
  EXPECT_EQ(p.ops[0].destination.weight, 0);
  EXPECT_EQ(p.ops[0].reason, "draining before removal");
  EXPECT_EQ(p.next_deadline, kNow + seconds(10));
  EXPECT_EQ(p.draining.size(), 1u);
}

TEST(ReconcilerPlan, DrainingServerStaysUntilItsDeadline) {
  DesiredService want = wanted(tcp("10.0.0.1", 80), {}, seconds(10));
  std::vector<ObservedService> have = {{tcp("10.0.0.1", 80), {dest("10.0.0.2", 0)}}};
  DrainDeadlines draining = {{drain_key(want.service, dest("10.0.0.2")), kNow + seconds(4)}};
  Plan early = plan_changes({want}, have, {}, draining, kNow);
  EXPECT_TRUE(early.ops.empty());
  EXPECT_EQ(early.next_deadline, kNow + seconds(4));
  Plan due = plan_changes({want}, have, {}, draining, kNow + seconds(4));
  ASSERT_EQ(due.ops.size(), 1u);
  EXPECT_EQ(due.ops[0].kind, OpKind::kDeleteDestination);
  EXPECT_EQ(due.ops[0].reason, "drain over");
  EXPECT_TRUE(due.draining.empty());
}

TEST(ReconcilerPlan, ServerBackDuringDrainGetsItsWeightBack) {
  DesiredService want = wanted(tcp("10.0.0.1", 80), {dest("10.0.0.2", 5)}, seconds(10));
  std::vector<ObservedService> have = {{tcp("10.0.0.1", 80), {dest("10.0.0.2", 0)}}};
  DrainDeadlines draining = {{drain_key(want.service, dest("10.0.0.2")), kNow + seconds(4)}};
  Plan p = plan_changes({want}, have, {}, draining, kNow);
  ASSERT_EQ(p.ops.size(), 1u);
  EXPECT_EQ(p.ops[0].kind, OpKind::kEditDestination);
  EXPECT_EQ(p.ops[0].destination.weight, 5);
  EXPECT_TRUE(p.draining.empty());
}

TEST(ReconcilerPlan, UndecidedServersAreNeitherAddedNorRemoved) {
  DesiredService want =
      wanted(tcp("10.0.0.1", 80), {}, seconds(0), {dest("10.0.0.2", 5), dest("10.0.0.3")});
  std::vector<ObservedService> have = {{tcp("10.0.0.1", 80), {dest("10.0.0.2", 9)}}};
  EXPECT_TRUE(plan_changes({want}, have, {}, {}, kNow).ops.empty());
}

}  // namespace
}  // namespace hadirector::ipvs
