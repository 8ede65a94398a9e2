#include "daemon/restart_backoff.h"

#include <algorithm>

namespace hadirector::daemon {

RestartBackoff::Duration RestartBackoff::on_exit(std::chrono::nanoseconds uptime) {
  if (uptime >= kHealthyReset) {
    next_ = kInitial;
    quick_left_ = kQuickRestarts;
  }
  if (uptime >= kQuickUptime && quick_left_ > 0) {
    --quick_left_;
    return kInitial;
  }
  Duration delay = next_;
  next_ = std::min(next_ * 2, kMax);
  return delay;
}

}  // namespace hadirector::daemon
