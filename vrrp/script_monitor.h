// Runs one VRRP track script periodically (every `interval`, killed after `timeout`) through a
// ChildLauncher and publishes its verdict in NamedStates<bool> after `rise` successes or `fall`
// failures in a row; the first result counts at once. argv is executed directly, through
// /bin/sh -c only when the script says `shell: true`. It does not weigh the verdict
// (vrrp/tracking.h does).
#pragma once

#include <optional>
#include <string>

#include "daemon/config/config.h"
#include "daemon/core/scheduler.h"
#include "vrrp/child_launcher.h"
#include "vrrp/named_states.h"

namespace hadirector::vrrp {

// The ChildSpec for a script: argv (or /bin/sh -c), user (its own or `default_user`), timeout.
core::ChildSpec script_spec(const config::VrrpScript& script,
                            const std::optional<std::string>& default_user);

class ScriptMonitor {
 public:
  ScriptMonitor(config::VrrpScript script, std::optional<std::string> default_user,
                core::Scheduler& scheduler, ChildLauncher launcher, NamedStates<bool>& out);
  ScriptMonitor(const ScriptMonitor&) = delete;
  ScriptMonitor& operator=(const ScriptMonitor&) = delete;

  // Runs the script now and then every interval.
  void start();
  const config::VrrpScript& config() const { return script_; }
  uint64_t runs() const { return runs_; }

 private:
  void run();
  void on_result(const core::ChildResult& result);

  config::VrrpScript script_;
  core::ChildSpec spec_;
  core::Scheduler& scheduler_;
  ChildLauncher launcher_;
  NamedStates<bool>& out_;
  std::optional<bool> verdict_;
  int successes_ = 0;
  int failures_ = 0;
  uint64_t runs_ = 0;
  core::TimePoint started_{};
  core::Handle timer_, child_;
};

}  // namespace hadirector::vrrp
