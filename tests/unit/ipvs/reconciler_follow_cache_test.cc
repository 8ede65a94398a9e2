// Reconciler features for following VRRP and for large tables: withdrawn services (deleted even
// when a restarted daemon never owned them), the cached read mode (no read-back per change, and
// a failed operation makes the next sync read the kernel again), and virtual-server groups
// mapped to one service per member with the real servers' ports following each service.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>

#include "ipvs/config_mapping.h"
#include "ipvs/reconciler.h"
#include "tests/fakes/fake_ipvs_client.h"
#include "tests/unit/ipvs/reconciler_test_util.h"

namespace hadirector::ipvs {
namespace {

using testing::FakeIpvsClient;

const core::TimePoint kNow = core::TimePoint(std::chrono::hours(100));

std::vector<DesiredService> web(int weight) {
  DesiredService d;
  d.service = tcp("10.0.0.1", 80);
  d.destinations = {dest("10.0.0.2", weight), dest("10.0.0.3", 1)};
  return {d};
}

size_t count_prefix(const std::vector<std::string>& log, const std::string& prefix) {
  return std::count_if(log.begin(), log.end(),
                       [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
}

TEST(ReconcilerWithdrawn, DeletesAWithdrawnServiceItNeverOwned) {
  FakeIpvsClient kernel;
  ASSERT_TRUE(kernel.add_service(tcp("10.0.0.1", 80)));
  ASSERT_TRUE(kernel.add_service(tcp("10.0.0.9", 80)));  // not ours: stays
  Reconciler r(kernel);
  SyncReport report = r.sync({}, kNow, {tcp("10.0.0.1", 80)});
  ASSERT_EQ(report.applied.size(), 1u);
  EXPECT_EQ(report.applied[0].kind, OpKind::kDeleteService);
  ASSERT_EQ(kernel.list_services()->size(), 1u);
  EXPECT_EQ(kernel.list_services()->at(0).service.name(), "TCP 10.0.0.9:80");
}

TEST(ReconcilerWithdrawn, WithdrawnThenWantedAgainIsProgrammedAgain) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  r.sync(web(5), kNow);
  r.sync({}, kNow, {tcp("10.0.0.1", 80)}, ReadMode::kCached);
  EXPECT_TRUE(kernel.list_services()->empty());
  SyncReport report = r.sync(web(5), kNow, {}, ReadMode::kCached);
  EXPECT_TRUE(report.errors.empty());
  EXPECT_EQ(kernel.list_destinations(tcp("10.0.0.1", 80))->size(), 2u);
}

TEST(ReconcilerCache, CachedSyncEditsWithoutReadingTheTableBack) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  r.sync(web(5), kNow);
  kernel.clear_log();
  SyncReport report = r.sync(web(7), kNow, {}, ReadMode::kCached);
  ASSERT_EQ(report.applied.size(), 1u);
  EXPECT_EQ(report.applied[0].kind, OpKind::kEditDestination);
  EXPECT_EQ(count_prefix(kernel.log(), "list_"), 0u);
  EXPECT_EQ(kernel.list_destinations(tcp("10.0.0.1", 80))->at(0).destination.weight, 7);
  // The cache followed the edit: the same table again is no operation at all.
  EXPECT_TRUE(r.sync(web(7), kNow, {}, ReadMode::kCached).applied.empty());
}

TEST(ReconcilerCache, AFailedOperationMakesTheNextSyncReadTheKernel) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  r.sync(web(5), kNow);
  kernel.fail_next("edit_destination", EINVAL);
  EXPECT_FALSE(r.sync(web(7), kNow, {}, ReadMode::kCached).errors.empty());
  kernel.clear_log();
  SyncReport report = r.sync(web(7), kNow, {}, ReadMode::kCached);
  EXPECT_TRUE(report.errors.empty());
  EXPECT_GT(count_prefix(kernel.log(), "list_"), 0u);
  EXPECT_EQ(kernel.list_destinations(tcp("10.0.0.1", 80))->at(0).destination.weight, 7);
}

TEST(ReconcilerCache, KernelReadRepairsWhatTheCacheDoesNotKnow) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  r.sync(web(5), kNow);
  ASSERT_TRUE(kernel.delete_destination(tcp("10.0.0.1", 80), dest("10.0.0.3", 1)));
  EXPECT_TRUE(r.sync(web(5), kNow, {}, ReadMode::kCached).applied.empty());
  SyncReport report = r.sync(web(5), kNow, {}, ReadMode::kKernel);
  ASSERT_EQ(report.applied.size(), 1u);
  EXPECT_EQ(report.applied[0].kind, OpKind::kAddDestination);
}

TEST(ReconcilerPlan, ScalesToThousandsOfServices) {
  std::vector<DesiredService> desired;
  std::vector<ObservedService> observed;
  for (int i = 0; i < 2000; ++i) {
    DesiredService d;
    d.service = tcp("10.1.0.1", static_cast<std::uint16_t>(1000 + i));
    for (int j = 0; j < 20; ++j) {
      Destination x = dest("10.2.0.1", 1);
      x.port = static_cast<std::uint16_t>(2000 + j);
      d.destinations.push_back(x);
    }
    observed.push_back({d.service, d.destinations});
    desired.push_back(std::move(d));
  }
  desired[1234].destinations[5].weight = 9;
  Plan plan = plan_changes(desired, observed, {}, {}, kNow);
  ASSERT_EQ(plan.ops.size(), 1u);
  EXPECT_EQ(plan.ops[0].describe(),
            "edit destination 10.2.0.1:2005 of TCP 10.1.0.1:2234 (weight 9, weight 1 -> 9)");
}

TEST(GroupMapping, OneServicePerMemberWithRealServerPortsFollowingEachService) {
  config::VirtualServer vs;
  vs.name = "web";
  vs.address = *config::Endpoint::from_string("192.0.2.1:80");
  vs.more_addresses = {*config::Endpoint::from_string("192.0.2.2:8080")};
  vs.more_fwmarks = {7};
  vs.family = AF_INET;
  vs.scheduler = "rr";
  std::vector<Service> services = services_from(vs);
  ASSERT_EQ(services.size(), 3u);
  EXPECT_EQ(services[0].name(), "TCP 192.0.2.1:80");
  EXPECT_EQ(services[1].name(), "TCP 192.0.2.2:8080");
  EXPECT_EQ(services[2].name(), "FWM 7");
  for (const auto& s : services) EXPECT_EQ(s.scheduler, "rr");
  config::RealServer rs;
  rs.address = *config::Endpoint::from_string("198.51.100.11", /*port_optional=*/true);
  EXPECT_EQ(destination_from(vs, services[0], rs, 1).port, 80);
  EXPECT_EQ(destination_from(vs, services[1], rs, 1).port, 8080);
  EXPECT_EQ(destination_from(vs, services[2], rs, 1).port, 0);
  rs.address.port = 9000;
  EXPECT_EQ(destination_from(vs, services[1], rs, 1).port, 9000);
}

}  // namespace
}  // namespace hadirector::ipvs
