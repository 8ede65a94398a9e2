// The reconciler hands the client each plan as one batch (IpvsClient::apply, pipelined by the
// netlink client): a reload changing the weight of 1 % of the real servers is exactly that many
// edits in one batch and nothing else, a failure inside a batch names its object and does not
// stop the rest, and an edit of a vanished real server still puts it back.
#include <gtest/gtest.h>

#include <cerrno>

#include "ipvs/reconciler.h"
#include "tests/fakes/fake_ipvs_client.h"
#include "tests/unit/ipvs/reconciler_test_util.h"

namespace hadirector::ipvs {
namespace {

const core::TimePoint kNow = core::TimePoint(std::chrono::hours(100));

// Records the size of every batch it is given.
class BatchRecorder : public testing::FakeIpvsClient {
 public:
  std::vector<core::Status> apply(std::span<const Change> changes) override {
    batches.push_back(changes.size());
    return FakeIpvsClient::apply(changes);
  }
  std::vector<size_t> batches;
};

// S services of R real servers; with `changed`, every 100th real server weighs 7 instead of 3.
std::vector<DesiredService> table(int services, int reals, bool changed) {
  std::vector<DesiredService> out;
  for (int i = 0; i < services; ++i) {
    DesiredService d;
    d.service = tcp("10.3.0.1", static_cast<std::uint16_t>(1000 + i));
    d.service.scheduler = "wrr";
    for (int j = 0; j < reals; ++j) {
      Destination x = dest("10.4.0.1", changed && (i * reals + j) % 100 == 0 ? 7 : 3);
      x.port = static_cast<std::uint16_t>(2000 + j);
      d.destinations.push_back(x);
    }
    out.push_back(std::move(d));
  }
  return out;
}

TEST(ReconcilerBatch, OnePercentWeightReloadIsOneBatchOfThatManyEdits) {
  BatchRecorder kernel;
  Reconciler r(kernel);
  SyncReport first = r.sync(table(250, 20, false), kNow);
  ASSERT_TRUE(first.errors.empty());
  EXPECT_EQ(first.applied.size(), 250u + 250u * 20u);
  ASSERT_EQ(kernel.batches.size(), 1u);  // the whole programming in one batch
  EXPECT_EQ(kernel.batches[0], 250u + 250u * 20u);
  kernel.batches.clear();
  kernel.clear_log();
  SyncReport reload = r.sync(table(250, 20, true), kNow, {}, ReadMode::kCached);
  ASSERT_TRUE(reload.errors.empty());
  ASSERT_EQ(reload.applied.size(), 50u);  // 1 % of 5,000
  for (const Op& op : reload.applied) EXPECT_EQ(op.kind, OpKind::kEditDestination);
  EXPECT_EQ(kernel.batches, std::vector<size_t>{50u});
  // Only the edits reached the kernel: no read-back, nothing else.
  EXPECT_EQ(kernel.log().size(), 50u);
  for (const auto& line : kernel.log()) EXPECT_EQ(line.rfind("edit_destination", 0), 0u) << line;
}

TEST(ReconcilerBatch, AFailureInsideTheBatchNamesItsObjectAndTheRestIsApplied) {
  BatchRecorder kernel;
  Reconciler r(kernel);
  kernel.fail_next("add_destination", EINVAL);
  SyncReport report = r.sync(table(1, 3, false), kNow);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].find("10.4.0.1:2000"), std::string::npos) << report.errors[0];
  EXPECT_EQ(report.applied.size(), 3u);  // the service and the two other real servers
  EXPECT_EQ(kernel.list_destinations(tcp("10.3.0.1", 1000))->size(), 2u);
  // The next sync reads the kernel and adds the missing one.
  SyncReport again = r.sync(table(1, 3, false), kNow, {}, ReadMode::kCached);
  EXPECT_TRUE(again.errors.empty());
  EXPECT_EQ(kernel.list_destinations(tcp("10.3.0.1", 1000))->size(), 3u);
}

TEST(ReconcilerBatch, AnEditOfAVanishedRealServerAddsItBack) {
  BatchRecorder kernel;
  Reconciler r(kernel);
  ASSERT_TRUE(r.sync(table(1, 2, false), kNow).errors.empty());
  const Service key = tcp("10.3.0.1", 1000);
  Destination gone = dest("10.4.0.1", 3);
  gone.port = 2000;
  ASSERT_TRUE(kernel.delete_destination(key, gone));  // behind the cache's back
  auto changed = table(1, 2, false);
  changed[0].destinations[0].weight = 9;
  SyncReport report = r.sync(changed, kNow, {}, ReadMode::kCached);
  EXPECT_TRUE(report.errors.empty());
  auto dests = kernel.list_destinations(key);
  ASSERT_EQ(dests->size(), 2u);
  bool found = false;
  for (const auto& d : *dests) found = found || (d.destination.port == 2000 && d.destination.weight == 9);
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace hadirector::ipvs
