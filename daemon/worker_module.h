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
  // A reload. Each module compares `new_config` with what it runs and applies only the
  // difference (the worker keeps no copy of the previous configuration: decoding one again
  // cost seconds at 40,000 real servers under emulation). An error keeps what runs.
  virtual core::Status reconfigure(const config::Config& new_config) = 0;
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
