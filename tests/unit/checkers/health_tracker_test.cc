#include "checkers/health_tracker.h"

#include <gtest/gtest.h>

namespace hadirector::checkers {
namespace {

ProbeResult ok() { return ProbeResult::success(); }
ProbeResult bad(const std::string& reason = "connect-refused") {
  return ProbeResult::failure(reason, "detail of " + reason);
}

TEST(HealthTracker, StartsInTheConfiguredState) {
  EXPECT_EQ(HealthTracker({2, 3, Health::kDown}).state(), Health::kDown);
  EXPECT_EQ(HealthTracker({2, 3, Health::kUp}).state(), Health::kUp);
}

TEST(HealthTracker, DownServerGoesUpAfterRiseConsecutiveSuccesses) {
  HealthTracker t({3, 2, Health::kDown});
  EXPECT_FALSE(t.record(ok()));
  EXPECT_FALSE(t.record(ok()));
  auto transition = t.record(ok());
  ASSERT_TRUE(transition);
  EXPECT_EQ(transition->from, Health::kDown);
  EXPECT_EQ(transition->to, Health::kUp);
  EXPECT_EQ(transition->reason, "ok");
  EXPECT_EQ(t.state(), Health::kUp);
}

TEST(HealthTracker, UpServerGoesDownAfterFallConsecutiveFailuresWithTheLastReason) {
  HealthTracker t({2, 3, Health::kUp});
  EXPECT_FALSE(t.record(bad("timeout")));
  EXPECT_FALSE(t.record(bad("timeout")));
  auto transition = t.record(bad("http-status-503"));
  ASSERT_TRUE(transition);
  EXPECT_EQ(transition->to, Health::kDown);
  EXPECT_EQ(transition->reason, "http-status-503");
  EXPECT_EQ(transition->detail, "detail of http-status-503");
}

TEST(HealthTracker, ASuccessBreaksAFailureStreak) {
  HealthTracker t({2, 2, Health::kUp});
  EXPECT_FALSE(t.record(bad()));
  EXPECT_FALSE(t.record(ok()));
  EXPECT_FALSE(t.record(bad()));
  EXPECT_EQ(t.state(), Health::kUp);
  EXPECT_TRUE(t.record(bad()));
}

TEST(HealthTracker, AFailureBreaksARiseStreak) {
  HealthTracker t({2, 2, Health::kDown});
  EXPECT_FALSE(t.record(ok()));
  EXPECT_FALSE(t.record(bad()));
  EXPECT_FALSE(t.record(ok()));
  EXPECT_EQ(t.state(), Health::kDown);
  EXPECT_TRUE(t.record(ok()));
}

TEST(HealthTracker, ResultsThatConfirmTheStateNeverTransition) {
  HealthTracker up({1, 1, Health::kUp});
  HealthTracker down({1, 1, Health::kDown});
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(up.record(ok()));
    EXPECT_FALSE(down.record(bad()));
  }
}

TEST(HealthTracker, IsChangingOnlyWhileAStreakIsUnderWay) {
  HealthTracker t({3, 3, Health::kDown});
  EXPECT_FALSE(t.changing());
  t.record(ok());
  EXPECT_TRUE(t.changing());
  EXPECT_EQ(t.streak(), 1);
  t.record(ok());
  t.record(ok());
  EXPECT_FALSE(t.changing());  // arrived: up now
}

TEST(HealthTracker, ThresholdBelowOneActsAsOne) {
  HealthTracker t({0, -1, Health::kDown});
  EXPECT_TRUE(t.record(ok()));
  EXPECT_TRUE(t.record(bad()));
}

TEST(HealthTracker, RemembersTheLastReason) {
  HealthTracker t({2, 2, Health::kUp});
  t.record(bad("tls-verify-failed"));
  EXPECT_EQ(t.last_reason(), "tls-verify-failed");
}

}  // namespace
}  // namespace hadirector::checkers
