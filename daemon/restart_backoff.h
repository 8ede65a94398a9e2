// When to restart a worker that died: 100 ms after the first death, doubling up to 30 s for a
// worker that keeps dying, and back to 100 ms once it has stayed up for 60 s. Pure policy; the
// supervisor owns the timer.
#pragma once

#include <chrono>

namespace hadirector::daemon {

class RestartBackoff {
 public:
  using Duration = std::chrono::milliseconds;
  static constexpr Duration kInitial{100};
  static constexpr Duration kMax{30'000};
  static constexpr Duration kHealthyReset{60'000};

  // The worker died after running for `uptime`; returns how long to wait before restarting it.
  Duration on_exit(std::chrono::nanoseconds uptime);

 private:
  Duration next_ = kInitial;
};

}  // namespace hadirector::daemon
