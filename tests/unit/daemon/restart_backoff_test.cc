#include "daemon/restart_backoff.h"

#include <gtest/gtest.h>

namespace hadirector::daemon {
namespace {

using namespace std::chrono_literals;

TEST(RestartBackoff, FirstRestartAfterOneHundredMilliseconds) {
  RestartBackoff b;
  EXPECT_EQ(b.on_exit(1s), 100ms);
}

TEST(RestartBackoff, DoublesForAWorkerThatKeepsDying) {
  RestartBackoff b;
  EXPECT_EQ(b.on_exit(0s), 100ms);
  EXPECT_EQ(b.on_exit(0s), 200ms);
  EXPECT_EQ(b.on_exit(0s), 400ms);
  EXPECT_EQ(b.on_exit(0s), 800ms);
}

TEST(RestartBackoff, CapsAtThirtySeconds) {
  RestartBackoff b;
  for (int i = 0; i < 20; ++i) (void)b.on_exit(0s);
  EXPECT_EQ(b.on_exit(0s), 30s);
}

TEST(RestartBackoff, ResetsAfterSixtySecondsUp) {
  RestartBackoff b;
  for (int i = 0; i < 5; ++i) (void)b.on_exit(1s);
  EXPECT_EQ(b.on_exit(60s), 100ms);
  EXPECT_EQ(b.on_exit(1s), 200ms);
}

TEST(RestartBackoff, FiftyNineSecondsUpDoesNotReset) {
  RestartBackoff b;
  (void)b.on_exit(0s);
  EXPECT_EQ(b.on_exit(59s), 200ms);
}

}  // namespace
}  // namespace hadirector::daemon
