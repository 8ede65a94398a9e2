#include "daemon/restart_backoff.h"

#include <algorithm>

namespace hadirector::daemon {

RestartBackoff::Duration RestartBackoff::on_exit(std::chrono::nanoseconds uptime) {
  if (uptime >= kHealthyReset) next_ = kInitial;
  Duration delay = next_;
  next_ = std::min(next_ * 2, kMax);
  return delay;
}

}  // namespace hadirector::daemon
