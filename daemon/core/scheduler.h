// Time and timers as an interface, so that glue code (VRRP instance timers, check runners,
// supervisor backoff) runs unchanged on the real event loop and on a manual clock in tests.
// Monotonic time only: wall-clock time never drives an interval.
#pragma once

#include <chrono>
#include <functional>

#include "daemon/core/handle.h"

namespace hadirector::core {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;  // CLOCK_MONOTONIC

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  virtual TimePoint now() const = 0;

  // Runs fn once at `when` (or on the next iteration when `when` is past). Destroying or
  // cancelling the returned handle before then cancels the call.
  [[nodiscard]] virtual Handle schedule_at(TimePoint when, std::function<void()> fn) = 0;

  [[nodiscard]] Handle schedule_after(Duration delay, std::function<void()> fn) {
    return schedule_at(now() + delay, std::move(fn));
  }
};

}  // namespace hadirector::core
