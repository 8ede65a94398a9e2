// A Scheduler whose clock moves only when told: tests advance time and every callback due in
// that span runs, in deadline order, synchronously. No threads, no real time, no I/O.
// It does not watch fds or signals; code that needs those is tested on the real EventLoop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "daemon/core/scheduler.h"

namespace hadirector::core {

class ManualScheduler final : public Scheduler {
 public:
  // Far from zero, so that a default TimePoint{} never looks like "now" in tests.
  static constexpr TimePoint kStart = TimePoint(std::chrono::hours(1000));

  explicit ManualScheduler(TimePoint start = kStart);
  ~ManualScheduler() override;

  TimePoint now() const override { return now_; }
  [[nodiscard]] Handle schedule_at(TimePoint when, std::function<void()> fn) override;

  // Moves the clock forward by `by`, running every callback due up to the new time in order,
  // including those that callbacks schedule within the span. During a callback now() is its
  // deadline (or the current time, for one scheduled in the past).
  void advance(Duration by);
  void advance_to(TimePoint when);
  // Runs every callback due at the current time (those scheduled in the past too).
  void run_due();

  size_t pending() const;
  std::optional<TimePoint> next_deadline() const;

 private:
  // Ordered by deadline, then by scheduling order so equal deadlines run first-in first-out.
  using Key = std::pair<TimePoint, uint64_t>;
  using Queue = std::map<Key, std::function<void()>>;

  TimePoint now_;
  uint64_t next_seq_ = 0;
  // Shared with the Handles (weakly), which may outlive the scheduler.
  std::shared_ptr<Queue> queue_;
};

}  // namespace hadirector::core
