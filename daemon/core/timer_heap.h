// The event loop's one-shot timers, kept in a binary heap in user space: the loop sleeps in
// epoll until the earliest deadline, so arming, moving or firing a timer costs no system call
// (an sd-event time source per timer re-armed a timerfd and read it on every advert). No clock
// and no I/O here: the loop passes the time in.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "daemon/core/handle.h"
#include "daemon/core/scheduler.h"

namespace hadirector::core {

class TimerHeap {
 public:
  TimerHeap() = default;
  ~TimerHeap();
  TimerHeap(const TimerHeap&) = delete;
  TimerHeap& operator=(const TimerHeap&) = delete;

  // fn runs once from run_due at or after `when`. The Handle cancels it; it may outlive the heap.
  [[nodiscard]] Handle add(TimePoint when, std::function<void()> fn);

  // The earliest deadline of a timer not cancelled, if any.
  std::optional<TimePoint> next_deadline();

  // Runs, in deadline order (first-in first-out among equal deadlines), every timer due at
  // `now` that was added before this call; one added by a callback runs at the next call even
  // when already due, so a callback rescheduling itself cannot loop. A timer cancelled by an
  // earlier callback of the same call does not run. Returns how many ran.
  size_t run_due(TimePoint now);

  // Entries held, cancelled ones included until they are dropped (for tests).
  size_t entries() const { return heap_.size(); }

 private:
  struct Node;
  struct Entry {
    TimePoint when;
    uint64_t seq;
    Node* node;
  };
  static bool later(const Entry& a, const Entry& b);
  void drop_cancelled_top();
  void compact();

  std::vector<Entry> heap_;
  std::vector<Entry> due_;  // run_due's scratch, kept to reuse its capacity
  uint64_t next_seq_ = 0;
  size_t compact_at_ = 64;
};

}  // namespace hadirector::core
