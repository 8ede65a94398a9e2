// LibnlIpvsClient::apply against the real kernel: a batch larger than the pipelining window
// lands in order, a failure inside a window gives that change its own errno and message while
// the changes around it still apply, and single requests after a batch still match their acks.
#include "tests/kernel/kernel_ipvs_fixture.h"

namespace hadirector::ipvs::kernel_test {
namespace {

TEST_F(KernelIpvs, BatchAcrossSeveralWindowsProgramsEverythingInOrder) {
  std::vector<Change> changes;
  for (int s = 0; s < 10; ++s) {
    const Service svc = tcp("10.0.0.1", static_cast<std::uint16_t>(1000 + s), "wrr");
    changes.push_back({OpKind::kAddService, svc, {}});
    for (int r = 0; r < 30; ++r)
      changes.push_back({OpKind::kAddDestination, svc,
                         dest("10.0.0.2", static_cast<std::uint16_t>(2000 + r), Forwarding::kDirectRoute, 3)});
  }
  const auto results = client_->apply(changes);
  ASSERT_EQ(results.size(), changes.size());
  for (size_t i = 0; i < results.size(); ++i)
    EXPECT_TRUE(results[i]) << i << ": " << results[i].error().message();
  ASSERT_EQ(services().size(), 10u);
  auto dests = client_->list_destinations(tcp("10.0.0.1", 1009));
  ASSERT_TRUE(dests) << dests.error().message();
  EXPECT_EQ(dests->size(), 30u);
  // A single request after the batch still reads its own ack.
  EXPECT_TRUE(client_->edit_destination(tcp("10.0.0.1", 1009),
                                        dest("10.0.0.2", 2000, Forwarding::kDirectRoute, 9)));
  auto after = client_->list_destinations(tcp("10.0.0.1", 1009));
  ASSERT_TRUE(after);
  bool edited = false;
  for (const auto& d : *after) edited = edited || (d.destination.port == 2000 && d.destination.weight == 9);
  EXPECT_TRUE(edited);
}

TEST_F(KernelIpvs, AFailureInsideABatchIsReportedForThatChangeOnly) {
  const Service svc = tcp("10.0.0.1", 80, "wrr");
  const Service missing = tcp("10.0.0.9", 80, "wrr");
  const std::vector<Change> changes = {
      {OpKind::kAddService, svc, {}},
      {OpKind::kAddDestination, svc, dest("10.0.0.2", 80, Forwarding::kDirectRoute, 1)},
      {OpKind::kAddDestination, missing, dest("10.0.0.3", 80, Forwarding::kDirectRoute, 1)},
      {OpKind::kAddService, svc, {}},
      {OpKind::kAddDestination, svc, dest("10.0.0.4", 80, Forwarding::kDirectRoute, 1)},
  };
  const auto results = client_->apply(changes);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0]);
  EXPECT_TRUE(results[1]);
  ASSERT_FALSE(results[2]);
  EXPECT_EQ(results[2].error().sys_errno(), ESRCH);
  EXPECT_EQ(results[2].error().context(), "add destination 10.0.0.3:80 to TCP 10.0.0.9:80");
  ASSERT_FALSE(results[3]);
  EXPECT_EQ(results[3].error().sys_errno(), EEXIST);
  EXPECT_TRUE(results[4]);
  auto dests = client_->list_destinations(svc);
  ASSERT_TRUE(dests);
  EXPECT_EQ(dests->size(), 2u);
}

}  // namespace
}  // namespace hadirector::ipvs::kernel_test
