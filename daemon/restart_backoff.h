// When to restart a worker that died. One that had been running for a while (killed, or crashed
// on some input) is back after 100 ms, up to 10 times per healthy minute, so that a VRRP worker
// returns inside the peer's Master_Down_Interval. One that dies young (a crash loop at start),
// or keeps dying after that budget, waits 100 ms doubling up to 30 s. Staying up 60 s resets
// both. Pure policy; the supervisor owns the timer.
#pragma once

#include <chrono>

namespace hadirector::daemon {

class RestartBackoff {
 public:
  using Duration = std::chrono::milliseconds;
  static constexpr Duration kInitial{100};
  static constexpr Duration kMax{30'000};
  static constexpr Duration kHealthyReset{60'000};
  static constexpr Duration kQuickUptime{250};  // died older than this: not a start-up crash
  static constexpr int kQuickRestarts = 10;

  // The worker died after running for `uptime`; returns how long to wait before restarting it.
  Duration on_exit(std::chrono::nanoseconds uptime);

 private:
  Duration next_ = kInitial;
  int quick_left_ = kQuickRestarts;
};

}  // namespace hadirector::daemon
