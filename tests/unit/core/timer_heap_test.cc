// TimerHeap on a clock the tests pass in: order, cancellation, callbacks that cancel or add
// timers, handles that outlive the heap, and the sweep of cancelled entries.
#include "daemon/core/timer_heap.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace hadirector::core {
namespace {

using namespace std::chrono_literals;

constexpr TimePoint kT0 = TimePoint(std::chrono::hours(1));

TEST(TimerHeap, RunsDueTimersInDeadlineOrderThenFifo) {
  TimerHeap heap;
  std::vector<int> order;
  Handle c = heap.add(kT0 + 3ms, [&] { order.push_back(3); });
  Handle a = heap.add(kT0 + 1ms, [&] { order.push_back(1); });
  Handle b1 = heap.add(kT0 + 2ms, [&] { order.push_back(21); });
  Handle b2 = heap.add(kT0 + 2ms, [&] { order.push_back(22); });
  EXPECT_EQ(heap.next_deadline(), kT0 + 1ms);
  EXPECT_EQ(heap.run_due(kT0), 0u);
  EXPECT_EQ(heap.run_due(kT0 + 2ms), 3u);
  EXPECT_EQ(order, (std::vector<int>{1, 21, 22}));
  EXPECT_EQ(heap.next_deadline(), kT0 + 3ms);
  EXPECT_EQ(heap.run_due(kT0 + 10ms), 1u);
  EXPECT_FALSE(heap.next_deadline());
}

TEST(TimerHeap, CancelledTimerNeverRunsAndLeavesNoDeadline) {
  TimerHeap heap;
  bool fired = false;
  Handle h = heap.add(kT0, [&] { fired = true; });
  h.cancel();
  EXPECT_FALSE(heap.next_deadline());
  EXPECT_EQ(heap.run_due(kT0 + 1s), 0u);
  EXPECT_FALSE(fired);
}

TEST(TimerHeap, CallbackMayCancelALaterTimerDueInTheSameRun) {
  TimerHeap heap;
  bool second = false;
  Handle h2;
  Handle h1 = heap.add(kT0, [&] { h2.cancel(); });
  h2 = heap.add(kT0 + 1ms, [&] { second = true; });
  EXPECT_EQ(heap.run_due(kT0 + 5ms), 1u);
  EXPECT_FALSE(second);
}

TEST(TimerHeap, TimerAddedByACallbackRunsAtTheNextRunEvenWhenDue) {
  TimerHeap heap;
  int runs = 0;
  Handle again;
  Handle h = heap.add(kT0, [&] {
    ++runs;
    again = heap.add(kT0 - 1s, [&] { ++runs; });
  });
  EXPECT_EQ(heap.run_due(kT0), 1u);
  EXPECT_EQ(heap.next_deadline(), kT0 - 1s);
  EXPECT_EQ(heap.run_due(kT0), 1u);
  EXPECT_EQ(runs, 2);
}

TEST(TimerHeap, CallbackMayDestroyItsOwnHandleAndKeepsItsCaptures) {
  TimerHeap heap;
  auto handle = std::make_unique<Handle>();
  std::string tag = "still alive", seen;
  *handle = heap.add(kT0, [&, tag] {
    handle.reset();
    seen = tag;
  });
  heap.run_due(kT0);
  EXPECT_EQ(seen, "still alive");
}

TEST(TimerHeap, CancellingReleasesTheCallbackAtOnce) {
  TimerHeap heap;
  auto owned = std::make_shared<int>(1);
  Handle h = heap.add(kT0 + 1h, [owned] {});
  EXPECT_EQ(owned.use_count(), 2);
  h.cancel();
  EXPECT_EQ(owned.use_count(), 1);
}

TEST(TimerHeap, HandleMayOutliveTheHeap) {
  Handle h;
  {
    TimerHeap heap;
    h = heap.add(kT0, [] {});
  }
  h.cancel();  // ASan builds catch a use after free here
  EXPECT_FALSE(h);
}

TEST(TimerHeap, RearmedTimerDoesNotGrowTheHeapWithoutBound) {
  TimerHeap heap;
  Handle h;
  // A master-down timer pushed forward by every advert: each re-arm cancels the previous one.
  for (int i = 0; i < 10000; ++i) h = heap.add(kT0 + std::chrono::seconds(3600 + i), [] {});
  EXPECT_LE(heap.entries(), 128u);
  EXPECT_EQ(heap.next_deadline(), kT0 + std::chrono::seconds(3600 + 9999));
}

}  // namespace
}  // namespace hadirector::core
