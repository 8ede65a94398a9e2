#include "checkers/check_pool.h"

#include <gtest/gtest.h>

#include "daemon/core/manual_scheduler.h"
#include "tests/unit/checkers/fake_checker.h"

namespace hadirector::checkers {
namespace {

class PoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<Checker> checker(const std::string& key) {
    return std::make_unique<FakeChecker>(clock_, log_, key);
  }
  core::ManualScheduler clock_;
  std::shared_ptr<FakeProbeLog> log_ = std::make_shared<FakeProbeLog>();
  CheckPool pool_{clock_};
  CheckTiming timing_;
};

TEST_F(PoolTest, IdenticalChecksRunOnceAndFanOutToEverySubscriber) {
  log_->auto_result = ProbeResult::success();
  int a = 0, b = 0;
  auto sa = pool_.subscribe(checker("tcp 10.0.0.1:80"), timing_, [&](const CheckEvent&) { ++a; });
  auto sb = pool_.subscribe(checker("tcp 10.0.0.1:80"), timing_, [&](const CheckEvent&) { ++b; });
  EXPECT_EQ(sa.key, sb.key);
  EXPECT_EQ(pool_.running(), 1u);
  EXPECT_EQ(pool_.subscribers(sa.key), 2u);
  clock_.advance(timing_.interval * 3);
  EXPECT_EQ(log_->starts, 3);
  EXPECT_EQ(a, 3);
  EXPECT_EQ(b, 3);
}

TEST_F(PoolTest, SameCheckerWithDifferentTimingIsNotShared) {
  CheckTiming other = timing_;
  other.rise = 5;
  auto sa = pool_.subscribe(checker("tcp 10.0.0.1:80"), timing_, [](const CheckEvent&) {});
  auto sb = pool_.subscribe(checker("tcp 10.0.0.1:80"), other, [](const CheckEvent&) {});
  EXPECT_NE(sa.key, sb.key);
  EXPECT_EQ(pool_.running(), 2u);
}

TEST_F(PoolTest, TheCheckStopsWhenItsLastSubscriberLeaves) {
  log_->auto_result = ProbeResult::success();
  auto sa = pool_.subscribe(checker("k"), timing_, [](const CheckEvent&) {});
  auto sb = pool_.subscribe(checker("k"), timing_, [](const CheckEvent&) {});
  sa.handle.cancel();
  EXPECT_EQ(pool_.running(), 1u);
  sb.handle.cancel();
  EXPECT_EQ(pool_.running(), 0u);
  clock_.advance(timing_.interval * 3);
  EXPECT_EQ(log_->starts, 0);
}

TEST_F(PoolTest, ASubscriberMayLeaveFromInsideItsListener) {
  log_->auto_result = ProbeResult::success();
  CheckPool::Subscription sa, sb;
  int b = 0;
  sa = pool_.subscribe(checker("k"), timing_, [&](const CheckEvent&) { sa.handle.cancel(); });
  sb = pool_.subscribe(checker("k"), timing_, [&](const CheckEvent&) {
    ++b;
    sb.handle.cancel();  // the last one: the runner goes away under our feet
  });
  clock_.advance(timing_.interval * 3);
  EXPECT_EQ(b, 1);
  EXPECT_EQ(pool_.running(), 0u);
}

TEST_F(PoolTest, ALateSubscriberLearnsTheCurrentState) {
  log_->auto_result = ProbeResult::success();
  timing_.rise = 1;
  auto sa = pool_.subscribe(checker("k"), timing_, [](const CheckEvent&) {});
  EXPECT_EQ(sa.state, Health::kDown);
  clock_.advance(timing_.interval);
  auto sb = pool_.subscribe(checker("k"), timing_, [](const CheckEvent&) {});
  EXPECT_EQ(sb.state, Health::kUp);
  EXPECT_EQ(pool_.state(sa.key), Health::kUp);
}

}  // namespace
}  // namespace hadirector::checkers
