// Reconciler against the fake kernel table: applying plans, ownership across calls, errnos that
// mean "already done", adoption of an existing table without a gap.
#include <gtest/gtest.h>

#include <cerrno>

#include "ipvs/reconciler.h"
#include "tests/fakes/fake_ipvs_client.h"
#include "tests/unit/ipvs/reconciler_test_util.h"

namespace hadirector::ipvs {
namespace {

using testing::FakeIpvsClient;

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

std::vector<DesiredService> web(int weight) {
  return {wanted(tcp("10.0.0.1", 80), {dest("10.0.0.2", weight)})};
}

TEST(ReconcilerApply, ProgramsAnEmptyKernel) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  SyncReport report = r.sync(web(5), kNow);
  EXPECT_TRUE(report.errors.empty());
  EXPECT_EQ(report.applied.size(), 2u);
  auto dests = kernel.list_destinations(tcp("10.0.0.1", 80));
  ASSERT_TRUE(dests);
  ASSERT_EQ(dests->size(), 1u);
  EXPECT_EQ((*dests)[0].destination.weight, 5);
}

TEST(ReconcilerApply, AdoptsAMatchingTableWithoutChangingIt) {
  FakeIpvsClient kernel;
  ASSERT_TRUE(kernel.add_service(tcp("10.0.0.1", 80)));
  ASSERT_TRUE(kernel.add_destination(tcp("10.0.0.1", 80), dest("10.0.0.2", 5)));
  kernel.clear_log();
  Reconciler r(kernel);
  SyncReport report = r.sync(web(5), kNow);
  EXPECT_TRUE(report.applied.empty());
  for (const auto& line : kernel.log()) {
    EXPECT_EQ(line.rfind("list_", 0), 0u) << line;
  }
}

TEST(ReconcilerApply, DeletesAServiceItOwnedOnceNoLongerDesired) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  r.sync(web(5), kNow);
  SyncReport report = r.sync({}, kNow);
  ASSERT_EQ(report.applied.size(), 1u);
  EXPECT_EQ(report.applied[0].kind, OpKind::kDeleteService);
  EXPECT_TRUE(kernel.list_services()->empty());
}

TEST(ReconcilerApply, LeavesForeignServicesAlone) {
  FakeIpvsClient kernel;
  ASSERT_TRUE(kernel.add_service(tcp("10.9.9.9", 80)));
  Reconciler r(kernel);
  r.sync(web(5), kNow);
  r.sync({}, kNow);
  auto services = kernel.list_services();
  ASSERT_EQ(services->size(), 1u);
  EXPECT_EQ((*services)[0].service.name(), "TCP 10.9.9.9:80");
}

TEST(ReconcilerApply, DestinationAlreadyDeletedCountsAsDone) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  r.sync(web(5), kNow);
  kernel.fail_next("delete_destination", ENOENT);
  SyncReport report = r.sync({wanted(tcp("10.0.0.1", 80), {})}, kNow);
  EXPECT_TRUE(report.errors.empty());
  EXPECT_EQ(report.applied.size(), 1u);
}

TEST(ReconcilerApply, ServiceAddedMeanwhileCountsAsDone) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  kernel.fail_next("add_service", EEXIST);
  SyncReport report = r.sync({wanted(tcp("10.0.0.1", 80), {})}, kNow);
  EXPECT_TRUE(report.errors.empty());
}

TEST(ReconcilerApply, OtherErrorsAreReported) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  kernel.fail_next("add_destination", ENOMEM);
  SyncReport report = r.sync(web(5), kNow);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].find("10.0.0.2:80"), std::string::npos) << report.errors[0];
}

TEST(ReconcilerApply, RepairsADestinationDeletedOutside) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  r.sync(web(5), kNow);
  ASSERT_TRUE(kernel.delete_destination(tcp("10.0.0.1", 80), dest("10.0.0.2", 5)));
  SyncReport report = r.sync(web(5), kNow);
  ASSERT_EQ(report.applied.size(), 1u);
  EXPECT_EQ(report.applied[0].kind, OpKind::kAddDestination);
}

TEST(ReconcilerApply, WeightChangeEditsInPlace) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  r.sync(web(5), kNow);
  kernel.clear_log();
  r.sync(web(9), kNow);
  bool edited = false;
  for (const auto& line : kernel.log()) {
    EXPECT_EQ(line.find("delete"), std::string::npos) << line;
    edited |= line.rfind("edit_destination", 0) == 0;
  }
  EXPECT_TRUE(edited);
}

TEST(ReconcilerApply, RemoveDrainTimeDelaysDeletion) {
  FakeIpvsClient kernel;
  Reconciler r(kernel);
  auto want = web(5);
  want[0].remove_drain_time = std::chrono::seconds(10);
  r.sync(want, kNow);
  want[0].destinations.clear();
  r.sync(want, kNow);
  EXPECT_EQ((*kernel.list_destinations(tcp("10.0.0.1", 80)))[0].destination.weight, 0);
  EXPECT_EQ(r.next_deadline(), kNow + std::chrono::seconds(10));
  r.sync(want, kNow + std::chrono::seconds(10));
  EXPECT_TRUE(kernel.list_destinations(tcp("10.0.0.1", 80))->empty());
  EXPECT_FALSE(r.next_deadline());
}

}  // namespace
}  // namespace hadirector::ipvs
