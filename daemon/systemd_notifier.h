// What the daemon tells systemd (READY, RELOADING, STOPPING, STATUS, WATCHDOG) over the
// sd_notify protocol, never blocking: a message the listener has no room for is dropped and
// logged. Silent when NOTIFY_SOCKET is unset, so the same binary runs outside systemd.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "daemon/core/unique_fd.h"

namespace hadirector::daemon {

class SystemdNotifier {
 public:
  void ready(const std::string& status);
  // RELOADING=1 with MONOTONIC_USEC, as systemd's Type=notify-reload protocol expects.
  void reloading();
  void stopping();
  void status(const std::string& status);
  void watchdog();
  // The watchdog period systemd expects pings within, if it set one for us.
  static std::optional<std::chrono::microseconds> watchdog_period();

 private:
  void send(const std::string& state);

  core::UniqueFd fd_;
  bool failing_ = false;
};

}  // namespace hadirector::daemon
