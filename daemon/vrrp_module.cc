#include "daemon/vrrp_module.h"

namespace hadirector::daemon {

core::Status VrrpModule::configure(const config::Config& config) {
  settings_ = config.vrrp;
  return {};
}

core::Status VrrpModule::reconfigure(const config::Config&, const config::Config& new_config,
                                     const config::ConfigDiff&) {
  settings_ = new_config.vrrp;
  return {};
}

nlohmann::json VrrpModule::status() const {
  nlohmann::json instances = nlohmann::json::array();
  for (const auto& i : settings_.instances) {
    instances.push_back({{"name", i.name},
                         {"state", "INIT"},
                         {"priority", i.priority},
                         {"effective_priority", i.priority},
                         {"vrid", i.vrid},
                         {"interface", i.interface},
                         {"version", i.version}});
  }
  return {{"vrrp", {{"instances", instances}}}};
}

}  // namespace hadirector::daemon
