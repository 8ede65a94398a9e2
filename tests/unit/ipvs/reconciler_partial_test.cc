// Cached syncs plan only the services that changed since the last clean sync: unchanged ones
// cost nothing, yet a draining real server's deadline still fires, a service no longer desired
// is still deleted, and a value changed and changed back reaches the kernel both times.
#include <gtest/gtest.h>

#include "ipvs/reconciler.h"
#include "tests/fakes/fake_ipvs_client.h"
#include "tests/unit/ipvs/reconciler_test_util.h"

namespace hadirector::ipvs {
namespace {

using namespace std::chrono_literals;
using testing::FakeIpvsClient;

const core::TimePoint kNow = core::TimePoint(std::chrono::hours(100));

// Services 10.0.0.1..N:80, each with real servers .2 and .3 at `weight`.
std::vector<DesiredService> table(int n, int weight, core::Duration drain = 0s) {
  std::vector<DesiredService> out;
  for (int i = 1; i <= n; ++i) {
    DesiredService d;
    d.service = tcp(("10.0.0." + std::to_string(i)).c_str(), 80);
    d.destinations = {dest("10.1.0.2", weight), dest("10.1.0.3", weight)};
    d.remove_drain_time = drain;
    out.push_back(d);
  }
  return out;
}

std::vector<std::string> described(const SyncReport& report) {
  std::vector<std::string> out;
  for (const auto& op : report.applied) out.push_back(op.describe());
  return out;
}

TEST(ReconcilerPartial, ChangedServiceAloneIsPlannedAndNothingIsRead) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  ASSERT_TRUE(r.sync(table(3, 5), kNow).errors.empty());
  // Changed behind our back in an unchanged service: a cached sync does not look at it...
  ASSERT_TRUE(kernel.edit_destination(tcp("10.0.0.3", 80), dest("10.1.0.2", 1)));
  kernel.clear_log();
  auto want = table(3, 5);
  want[1].destinations[0].weight = 9;
  SyncReport report = r.sync(want, kNow, {}, ReadMode::kCached);
  EXPECT_EQ(described(report),
            (std::vector<std::string>{"edit destination 10.1.0.2:80 of TCP 10.0.0.2:80 (weight 9, "
                                      "weight 5 -> 9)"}));
  EXPECT_EQ(kernel.log(),
            (std::vector<std::string>{"edit_destination TCP 10.0.0.2:80 10.1.0.2:80"}));
  // ...the drift check's kernel read does.
  report = r.sync(want, kNow, {}, ReadMode::kKernel);
  EXPECT_EQ(described(report),
            (std::vector<std::string>{"edit destination 10.1.0.2:80 of TCP 10.0.0.3:80 (weight 5, "
                                      "weight 1 -> 5)"}));
}

TEST(ReconcilerPartial, ValueChangedAndChangedBackReachesTheKernelBothTimes) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  ASSERT_TRUE(r.sync(table(2, 5), kNow).errors.empty());
  EXPECT_EQ(r.sync(table(2, 7), kNow, {}, ReadMode::kCached).applied.size(), 4u);
  EXPECT_EQ(r.sync(table(2, 5), kNow, {}, ReadMode::kCached).applied.size(), 4u);
  EXPECT_TRUE(r.sync(table(2, 5), kNow, {}, ReadMode::kCached).applied.empty());
  EXPECT_EQ(kernel.list_destinations(tcp("10.0.0.2", 80))->at(1).destination.weight, 5);
}

TEST(ReconcilerPartial, DrainDeadlineOfAnUnchangedServiceStillFires) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  ASSERT_TRUE(r.sync(table(2, 5, 10s), kNow).errors.empty());
  auto want = table(2, 5, 10s);
  want[0].destinations.pop_back();  // 10.1.0.3 leaves 10.0.0.1: drained for 10 s first
  SyncReport report = r.sync(want, kNow, {}, ReadMode::kCached);
  EXPECT_EQ(described(report),
            (std::vector<std::string>{"edit destination 10.1.0.3:80 of TCP 10.0.0.1:80 (weight 0, "
                                      "draining before removal)"}));
  ASSERT_EQ(r.next_deadline(), kNow + 10s);
  // The same table at the deadline: nothing changed, but the drained server goes.
  report = r.sync(want, kNow + 10s, {}, ReadMode::kCached);
  EXPECT_EQ(described(report),
            (std::vector<std::string>{"delete destination 10.1.0.3:80 from TCP 10.0.0.1:80 (drain "
                                      "over)"}));
  EXPECT_FALSE(r.next_deadline());
  EXPECT_EQ(kernel.list_destinations(tcp("10.0.0.1", 80))->size(), 1u);
}

TEST(ReconcilerPartial, ServiceNoLongerDesiredIsDeletedOthersUntouched) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  ASSERT_TRUE(r.sync(table(3, 5), kNow).errors.empty());
  kernel.clear_log();
  auto want = table(3, 5);
  want.erase(want.begin() + 1);
  SyncReport report = r.sync(want, kNow, {}, ReadMode::kCached);
  EXPECT_EQ(described(report),
            (std::vector<std::string>{"delete service TCP 10.0.0.2:80 (not configured)"}));
  EXPECT_EQ(kernel.log(), (std::vector<std::string>{"delete_service TCP 10.0.0.2:80"}));
  EXPECT_EQ(kernel.list_services()->size(), 2u);
  // Wanted again later: added again, though the cache once knew it.
  report = r.sync(table(3, 5), kNow, {}, ReadMode::kCached);
  EXPECT_EQ(report.applied.size(), 3u);
  EXPECT_EQ(kernel.list_services()->size(), 3u);
}

TEST(ReconcilerPartial, WithdrawnServiceWantedAgainIsAddedAgain) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  auto both = table(2, 5);
  ASSERT_TRUE(r.sync({both[0]}, kNow).errors.empty());
  // 10.0.0.1 withdrawn (following an instance that is not MASTER) while 10.0.0.2 comes in.
  ASSERT_TRUE(r.sync({both[1]}, kNow, {both[0].service}, ReadMode::kCached).errors.empty());
  ASSERT_EQ(kernel.list_services()->size(), 1u);
  SyncReport report = r.sync(both, kNow, {}, ReadMode::kCached);
  EXPECT_EQ(report.applied.size(), 3u);  // the service and its two real servers
  EXPECT_EQ(kernel.list_services()->size(), 2u);
}

}  // namespace
}  // namespace hadirector::ipvs
