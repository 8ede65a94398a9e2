// What a worker process hosts: a module (VRRP, checkers) with BIRD-style lifecycle hooks. The
// worker shell (worker_main.cc) owns the loop and the channel to the supervisor and calls these
// hooks; a module never talks to the supervisor directly, only through its WorkerContext.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/config/config.h"
#include "daemon/core/event_loop.h"
#include "daemon/core/result.h"

namespace hadirector::daemon {

struct WorkerContext {
  core::EventLoop& loop;
  // An event for the ordered event stream (VRRP transitions, real-server changes).
  std::function<void(nlohmann::json)> emit_event;
  // A message for the other worker ("vrrp" or "checker"), relayed by the supervisor.
  std::function<void(const std::string& to, nlohmann::json)> relay;
};

class WorkerModule {
 public:
  virtual ~WorkerModule() = default;

  // The first configuration after the worker starts (also after a restart).
  virtual core::Status configure(const config::Config& config) = 0;
  // A reload: apply only what `diff` names. An error keeps the module on `old_config`.
  virtual core::Status reconfigure(const config::Config& old_config,
                                   const config::Config& new_config,
                                   const config::ConfigDiff& diff) = 0;
  // Whether reconfigure() reads `old_config` and `diff`. The worker keeps the applied
  // configuration encoded and decoding it again costs seconds at 40,000 real servers under
  // emulation; a module answering false gets `new_config` as `old_config` and an empty diff.
  virtual bool wants_reload_diff() const { return false; }
  // This module's part of `hadirectorctl status --json`.
  virtual nlohmann::json status() const = 0;
  // A message relayed from the other worker.
  virtual void on_relay(const std::string& from, const nlohmann::json& payload) {
    (void)from;
    (void)payload;
  }
  // An operator command forwarded by the supervisor (drain, enable, ...). Returns the reply.
  virtual nlohmann::json command(const nlohmann::json& request) {
    (void)request;
    return {{"ok", false}, {"error", "command not supported by this worker"}};
  }
  // Graceful stop (VRRP masters send priority 0 here); call done() when finished.
  virtual void stop(std::function<void()> done) { done(); }
};

}  // namespace hadirector::daemon
