// Notify scripts for VRRP transitions: which argv lists a transition runs (the new state's own
// list, then `any`, each with TYPE NAME STATE PRIORITY appended, keepalived's convention), and
// a per-instance queue that runs them one at a time in transition order, each with a timeout,
// so a slow script delays the next one instead of racing it. Does not decide when to notify.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "vrrp/child_launcher.h"
#include "vrrp/state_machine.h"

namespace hadirector::vrrp {

// "INSTANCE" or "GROUP", the name, the new state (INIT is reported as STOP), the priority.
std::vector<std::vector<std::string>> notify_commands(const config::Notify& notify,
                                                      const std::string& type,
                                                      const std::string& name, State to,
                                                      int priority);

class NotifyQueue {
 public:
  explicit NotifyQueue(ChildLauncher launcher, core::Duration timeout = std::chrono::seconds(10))
      : launcher_(std::move(launcher)), timeout_(timeout) {}
  NotifyQueue(const NotifyQueue&) = delete;
  NotifyQueue& operator=(const NotifyQueue&) = delete;

  // Runs argv after every earlier one has finished.
  void push(std::vector<std::string> argv, std::optional<std::string> user = std::nullopt);
  bool busy() const { return busy_; }
  size_t queued() const { return queue_.size(); }
  uint64_t failed() const { return failed_; }
  uint64_t completed() const { return completed_; }

 private:
  void next();

  ChildLauncher launcher_;
  core::Duration timeout_;
  std::deque<core::ChildSpec> queue_;
  bool busy_ = false;
  core::Handle running_;
  uint64_t failed_ = 0;
  uint64_t completed_ = 0;
};

}  // namespace hadirector::vrrp
