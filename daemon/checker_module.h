// The checker worker's module: owns health checks and the IPVS table of the configuration.
// Until the checkers are wired in, it tracks the configured virtual servers and reports every
// real server as not yet checked.
#pragma once

#include "daemon/worker_module.h"

namespace hadirector::daemon {

class CheckerModule final : public WorkerModule {
 public:
  explicit CheckerModule(WorkerContext ctx) : ctx_(ctx) {}

  core::Status configure(const config::Config& config) override;
  core::Status reconfigure(const config::Config& old_config, const config::Config& new_config,
                           const config::ConfigDiff& diff) override;
  nlohmann::json status() const override;

 private:
  WorkerContext ctx_;
  std::vector<config::VirtualServer> virtual_servers_;
};

}  // namespace hadirector::daemon
