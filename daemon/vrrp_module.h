// The VRRP worker's module: owns the VRRP instances of the configuration. Until the protocol
// engine is wired in, it tracks the configured instances and reports them in state INIT.
#pragma once

#include "daemon/worker_module.h"

namespace hadirector::daemon {

class VrrpModule final : public WorkerModule {
 public:
  explicit VrrpModule(WorkerContext ctx) : ctx_(ctx) {}

  core::Status configure(const config::Config& config) override;
  core::Status reconfigure(const config::Config& old_config, const config::Config& new_config,
                           const config::ConfigDiff& diff) override;
  nlohmann::json status() const override;

 private:
  WorkerContext ctx_;
  config::VrrpSettings settings_;
};

}  // namespace hadirector::daemon
