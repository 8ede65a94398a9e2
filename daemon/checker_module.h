// The checker worker's module: adapts CheckerEngine (health checks, real-server policy, IPVS
// reconcile) to the worker's lifecycle hooks, with the production factories: checkers from the
// built-in registry on the worker's event loop, IPVS through LibnlIpvsClient. On stop the IPVS
// table is left as it is, so traffic keeps flowing while the daemon restarts.
#pragma once

#include <memory>

#include "checkers/registry.h"
#include "daemon/checker_engine.h"
#include "daemon/worker_module.h"

namespace hadirector::daemon {

class CheckerModule final : public WorkerModule {
 public:
  explicit CheckerModule(WorkerContext ctx);

  core::Status configure(const config::Config& config) override;
  core::Status reconfigure(const config::Config& new_config) override;
  nlohmann::json status() const override;
  void on_relay(const std::string& from, const nlohmann::json& payload) override;
  nlohmann::json command(const nlohmann::json& request) override;

 private:
  WorkerContext ctx_;
  checkers::CheckerRegistry registry_;
  checkers::CheckContext check_context_;
  std::unique_ptr<CheckerEngine> engine_;
};

}  // namespace hadirector::daemon
