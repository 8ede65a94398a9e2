#include "checkers/coalescing_scheduler.h"

#include <gtest/gtest.h>

#include <vector>

#include "daemon/core/manual_scheduler.h"

namespace hadirector::checkers {
namespace {

using namespace std::chrono_literals;

class CoalescingTest : public ::testing::Test {
 protected:
  // kStart is a whole number of hours, so slots of 4 ms start exactly there.
  core::ManualScheduler base_;
  CoalescingScheduler clock_{base_, 4ms};
  core::TimePoint t0_ = core::ManualScheduler::kStart;
};

TEST_F(CoalescingTest, CallsInOneSlotRunTogetherAtItsEndInOrderFromOneTimer) {
  std::vector<std::pair<int, core::TimePoint>> ran;
  auto a = clock_.schedule_at(t0_ + 3ms, [&] { ran.emplace_back(1, base_.now()); });
  auto b = clock_.schedule_at(t0_ + 1ms, [&] { ran.emplace_back(2, base_.now()); });
  auto c = clock_.schedule_at(t0_ + 5ms, [&] { ran.emplace_back(3, base_.now()); });
  EXPECT_EQ(base_.pending(), 1u);  // one underlying timer for all three
  EXPECT_EQ(base_.next_deadline(), t0_ + 4ms);
  base_.advance(3ms + 999us);
  EXPECT_TRUE(ran.empty());  // never early
  base_.advance(1us);
  ASSERT_EQ(ran.size(), 2u);
  EXPECT_EQ(ran[0], std::make_pair(1, t0_ + 4ms));  // scheduling order within a slot
  EXPECT_EQ(ran[1], std::make_pair(2, t0_ + 4ms));
  EXPECT_EQ(base_.next_deadline(), t0_ + 8ms);
  base_.advance(4ms);
  ASSERT_EQ(ran.size(), 3u);
  EXPECT_EQ(ran[2], std::make_pair(3, t0_ + 8ms));
  EXPECT_EQ(clock_.pending(), 0u);
  EXPECT_EQ(base_.pending(), 0u);
}

TEST_F(CoalescingTest, DeadlineOnASlotBoundaryIsKeptAndSlotEndRoundsUp) {
  EXPECT_EQ(clock_.slot_end(t0_ + 8ms), t0_ + 8ms);
  EXPECT_EQ(clock_.slot_end(t0_ + 8ms + 1ns), t0_ + 12ms);
  CoalescingScheduler exact(base_, 0ms);
  EXPECT_EQ(exact.slot_end(t0_ + 1ns), t0_ + 1ns);
}

TEST_F(CoalescingTest, CancelledCallsDoNotRunEvenWhenCancelledBySlotNeighbour) {
  int ran = 0;
  core::Handle second;
  auto first = clock_.schedule_at(t0_ + 1ms, [&] {
    ++ran;
    second.cancel();  // a probe's answer cancelling its timeout in the same slot
  });
  second = clock_.schedule_at(t0_ + 2ms, [&] { ran += 100; });
  auto dropped = clock_.schedule_at(t0_ + 2ms, [&] { ran += 1000; });
  dropped.cancel();
  base_.advance(10ms);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(clock_.pending(), 0u);
}

TEST_F(CoalescingTest, CallScheduledWhileFiringForThePastWaitsForTheNextFiring) {
  // B is already due when A schedules it, and sorts before C; run within the same firing it
  // would come before C, and a call re-scheduling itself in the past would never let go.
  std::vector<char> order;
  core::Handle b;
  auto a = clock_.schedule_at(t0_ + 3ms, [&] {
    order.push_back('A');
    b = clock_.schedule_at(t0_, [&] { order.push_back('B'); });
  });
  auto c = clock_.schedule_at(t0_ + 3ms, [&] { order.push_back('C'); });
  base_.advance(4ms);
  EXPECT_EQ(order, (std::vector<char>{'A', 'C', 'B'}));
}

TEST_F(CoalescingTest, EarlierCallReArmsTheUnderlyingTimer) {
  int ran = 0;
  auto late = clock_.schedule_at(t0_ + 100ms, [&] { ++ran; });
  EXPECT_EQ(base_.next_deadline(), t0_ + 100ms);
  auto early = clock_.schedule_at(t0_ + 10ms, [&] { ++ran; });
  EXPECT_EQ(base_.next_deadline(), t0_ + 12ms);
  EXPECT_EQ(base_.pending(), 1u);
  base_.advance(12ms);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(base_.next_deadline(), t0_ + 100ms);
}

TEST_F(CoalescingTest, HandlesOutlivingTheirCallOrCancelledInAnyOrderStayIndependent) {
  // More live handles than one block of recycled tickets, released out of order, some after
  // their call ran (a runner's next-probe handle is replaced only after the probe started).
  std::vector<int> ran(1000, 0);
  std::vector<core::Handle> handles;
  for (int i = 0; i < 1000; ++i)
    handles.push_back(clock_.schedule_at(t0_ + 1ms + (i % 7) * 4ms, [&ran, i] { ++ran[i]; }));
  for (int i = 0; i < 1000; i += 3) handles[i].cancel();
  base_.advance(8ms);  // the first two slots fire
  for (int i = 1; i < 1000; i += 3) handles[i] = core::Handle();  // after their call or before
  // Tickets just freed are reused by new calls; a stale release must not touch those.
  std::vector<int> again(600, 0);
  std::vector<core::Handle> more;
  for (int i = 0; i < 600; ++i)
    more.push_back(clock_.schedule_at(t0_ + 9ms, [&again, i] { ++again[i]; }));
  base_.advance(40ms);
  handles.clear();  // the rest, after their calls ran
  for (int i = 0; i < 1000; ++i) {
    const bool fired_first = i % 7 < 2;  // slots ending at 4 and 8 ms
    const int want = i % 3 == 0 ? 0 : (i % 3 == 1 ? (fired_first ? 1 : 0) : 1);
    EXPECT_EQ(ran[i], want) << "call " << i;
  }
  for (int i = 0; i < 600; ++i) EXPECT_EQ(again[i], 1) << "new call " << i;
  EXPECT_EQ(clock_.pending(), 0u);
}

}  // namespace
}  // namespace hadirector::checkers
