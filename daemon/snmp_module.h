// The snmp worker's module (started only when the `snmp:` section is present): keeps a MibView
// of the whole daemon fresh by asking the supervisor for the status document every second and
// after every event, and turns relayed events into notifications (vrrpv3NewMaster on becoming
// MASTER, hdRealServerStateChange on real-server changes). It never touches VRRP or IPVS, so
// its crash or restart cannot disturb them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "daemon/snmp_agent.h"
#include "daemon/worker_module.h"

namespace hadirector::daemon {

class SnmpModule final : public WorkerModule {
 public:
  explicit SnmpModule(WorkerContext ctx) : ctx_(ctx), agent_(ctx.loop) {}

  core::Status configure(const config::Config& config) override;
  core::Status reconfigure(const config::Config& new_config) override;
  nlohmann::json status() const override;
  void on_relay(const std::string& from, const nlohmann::json& payload) override;

 private:
  // Asks for the status and rebuilds the view; `then` runs with the new view.
  void refresh(std::function<void()> then = {});
  void on_status(const nlohmann::json& status);
  void on_event(const nlohmann::json& event);

  WorkerContext ctx_;
  snmp::SnmpAgent agent_;
  config::Config config_;
  std::string socket_path_;
  std::map<std::string, core::TimePoint> left_init_;  // instance -> when it left INIT
  core::Handle refresh_timer_;
  std::map<uint64_t, std::function<void(const nlohmann::json&)>> queries_;
  uint64_t next_query_ = 1;
  uint64_t notifications_sent_ = 0;
  snmp::NotifyThrottle proto_error_throttle_{std::chrono::seconds(60)};  // per instance
  uint64_t refreshes_ = 0;
};

}  // namespace hadirector::daemon
