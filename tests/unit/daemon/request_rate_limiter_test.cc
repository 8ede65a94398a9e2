// The control socket's per-uid request budget: a burst, then the sustained rate, per uid.
#include "daemon/request_rate_limiter.h"

#include <gtest/gtest.h>

namespace hadirector::daemon {
namespace {

using std::chrono::milliseconds;

TEST(RequestRateLimiter, AdmitsTheBurstThenTheSustainedRate) {
  RequestRateLimiter limiter(10, 5);
  core::TimePoint t{};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.admit(1000, t)) << i;
  EXPECT_FALSE(limiter.admit(1000, t));
  t += milliseconds(99);
  EXPECT_FALSE(limiter.admit(1000, t));  // 0.99 of a token
  t += milliseconds(2);
  EXPECT_TRUE(limiter.admit(1000, t));
  EXPECT_FALSE(limiter.admit(1000, t));
  t += milliseconds(10'000);  // refills to the burst, not beyond
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.admit(1000, t)) << i;
  EXPECT_FALSE(limiter.admit(1000, t));
}

TEST(RequestRateLimiter, EachUidHasItsOwnBudget) {
  RequestRateLimiter limiter(1, 2);
  core::TimePoint t{};
  EXPECT_TRUE(limiter.admit(1000, t));
  EXPECT_TRUE(limiter.admit(1000, t));
  EXPECT_FALSE(limiter.admit(1000, t));
  EXPECT_TRUE(limiter.admit(1001, t));
}

TEST(RequestRateLimiter, ForgetsIdlePeersSoTheTableStaysSmall) {
  RequestRateLimiter limiter(1, 1);
  core::TimePoint t{};
  for (uid_t uid = 1; uid <= 2000; ++uid) EXPECT_TRUE(limiter.admit(uid, t));
  t += milliseconds(5'000);
  EXPECT_TRUE(limiter.admit(5000, t));
  EXPECT_LE(limiter.tracked(), 2u);
}

}  // namespace
}  // namespace hadirector::daemon
