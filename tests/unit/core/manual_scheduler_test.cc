#include "daemon/core/manual_scheduler.h"

#include <gtest/gtest.h>

#include <vector>

namespace hadirector::core {
namespace {

using namespace std::chrono_literals;

TEST(ManualScheduler, StartsAtAFixedTimeAndMovesOnlyWhenAdvanced) {
  ManualScheduler s;
  EXPECT_EQ(s.now(), ManualScheduler::kStart);
  s.advance(250ms);
  EXPECT_EQ(s.now(), ManualScheduler::kStart + 250ms);
}

TEST(ManualScheduler, AdvanceRunsDueCallbacksInDeadlineOrder) {
  ManualScheduler s;
  std::vector<int> order;
  Handle c = s.schedule_after(30ms, [&] { order.push_back(3); });
  Handle a = s.schedule_after(10ms, [&] { order.push_back(1); });
  Handle b = s.schedule_after(20ms, [&] { order.push_back(2); });
  s.advance(25ms);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(s.pending(), 1u);
  s.advance(5ms);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(s.pending(), 0u);
}

TEST(ManualScheduler, EqualDeadlinesRunInSchedulingOrder) {
  ManualScheduler s;
  std::vector<int> order;
  Handle a = s.schedule_after(10ms, [&] { order.push_back(1); });
  Handle b = s.schedule_after(10ms, [&] { order.push_back(2); });
  Handle c = s.schedule_after(10ms, [&] { order.push_back(3); });
  s.advance(10ms);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(ManualScheduler, NowDuringCallbackIsItsDeadline) {
  ManualScheduler s;
  TimePoint seen{};
  Handle h = s.schedule_after(40ms, [&] { seen = s.now(); });
  s.advance(1s);
  EXPECT_EQ(seen, ManualScheduler::kStart + 40ms);
  EXPECT_EQ(s.now(), ManualScheduler::kStart + 1s);
}

TEST(ManualScheduler, CallbackScheduledDuringAdvanceRunsIfDueWithinTheSpan) {
  ManualScheduler s;
  std::vector<TimePoint> ticks;
  Handle next;
  std::function<void()> tick = [&] {
    ticks.push_back(s.now());
    next = s.schedule_after(100ms, tick);
  };
  next = s.schedule_after(100ms, tick);
  s.advance(350ms);
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(ticks[2], ManualScheduler::kStart + 300ms);
  EXPECT_EQ(s.pending(), 1u);
}

TEST(ManualScheduler, CancelledHandlePreventsCallback) {
  ManualScheduler s;
  bool fired = false;
  Handle h = s.schedule_after(10ms, [&] { fired = true; });
  h.cancel();
  EXPECT_EQ(s.pending(), 0u);
  s.advance(1s);
  EXPECT_FALSE(fired);
}

TEST(ManualScheduler, CallbackMayCancelALaterCallbackDueInTheSameAdvance) {
  ManualScheduler s;
  bool second = false;
  Handle later = s.schedule_after(20ms, [&] { second = true; });
  Handle first = s.schedule_after(10ms, [&] { later = Handle(); });
  s.advance(30ms);
  EXPECT_FALSE(second);
}

TEST(ManualScheduler, CallbackMayDestroyItsOwnHandle) {
  ManualScheduler s;
  auto h = std::make_unique<Handle>();
  int calls = 0;
  *h = s.schedule_after(10ms, [&] {
    h.reset();
    ++calls;
  });
  s.advance(10ms);
  EXPECT_EQ(calls, 1);
}

TEST(ManualScheduler, RunDueRunsCallbacksScheduledInThePast) {
  ManualScheduler s;
  bool fired = false;
  Handle h = s.schedule_at(s.now() - 5ms, [&] { fired = true; });
  s.run_due();
  EXPECT_TRUE(fired);
  EXPECT_EQ(s.now(), ManualScheduler::kStart);
}

TEST(ManualScheduler, NextDeadlineIsTheEarliestPending) {
  ManualScheduler s;
  EXPECT_FALSE(s.next_deadline().has_value());
  Handle a = s.schedule_after(30ms, [] {});
  Handle b = s.schedule_after(20ms, [] {});
  EXPECT_EQ(s.next_deadline(), ManualScheduler::kStart + 20ms);
}

TEST(ManualScheduler, HandleOutlivingSchedulerIsSafeToDestroy) {
  Handle h;
  {
    ManualScheduler s;
    h = s.schedule_after(10ms, [] {});
  }
  h.cancel();
  EXPECT_FALSE(h);
}

}  // namespace
}  // namespace hadirector::core
