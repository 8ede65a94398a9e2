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
  for (int i = 0; i < 5; ++i) (void)b.on_exit(0s);
  EXPECT_EQ(b.on_exit(60s), 100ms);
  EXPECT_EQ(b.on_exit(0s), 100ms);
  EXPECT_EQ(b.on_exit(0s), 200ms);
}

TEST(RestartBackoff, FiftyNineSecondsUpDoesNotReset) {
  RestartBackoff b;
  for (int i = 0; i < RestartBackoff::kQuickRestarts; ++i) (void)b.on_exit(1s);
  (void)b.on_exit(0s);
  EXPECT_EQ(b.on_exit(59s), 200ms);
}

// kill -9 of a running VRRP worker, again and again: each restart must come back inside the
// peer's Master_Down_Interval (361 ms at 100 ms adverts), not after 400, 800, ... ms.
TEST(RestartBackoff, WorkerThatHadBeenRunningIsBackQuicklyTenTimes) {
  RestartBackoff b;
  for (int i = 0; i < RestartBackoff::kQuickRestarts; ++i) EXPECT_EQ(b.on_exit(400ms), 100ms);
  EXPECT_EQ(b.on_exit(400ms), 100ms);  // budget spent: the doubling sequence starts
  EXPECT_EQ(b.on_exit(400ms), 200ms);
}

TEST(RestartBackoff, CrashAtStartDoesNotUseTheQuickBudget) {
  RestartBackoff b;
  EXPECT_EQ(b.on_exit(10ms), 100ms);
  EXPECT_EQ(b.on_exit(10ms), 200ms);
  EXPECT_EQ(b.on_exit(1s), 100ms);
}

}  // namespace
}  // namespace hadirector::daemon
