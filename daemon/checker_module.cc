#include "daemon/checker_module.h"

namespace hadirector::daemon {

core::Status CheckerModule::configure(const config::Config& config) {
  virtual_servers_ = config.virtual_servers;
  return {};
}

core::Status CheckerModule::reconfigure(const config::Config&, const config::Config& new_config,
                                        const config::ConfigDiff&) {
  virtual_servers_ = new_config.virtual_servers;
  return {};
}

nlohmann::json CheckerModule::status() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& vs : virtual_servers_) {
    nlohmann::json reals = nlohmann::json::array();
    for (const auto& rs : vs.real_servers) {
      reals.push_back({{"address", rs.address.to_string()},
                       {"weight", rs.weight},
                       {"healthy", false},
                       {"state", "unchecked"}});
    }
    list.push_back({{"name", vs.name},
                    {"address", vs.address ? vs.address->to_string()
                                           : "fwmark:" + std::to_string(vs.fwmark.value_or(0))},
                    {"protocol", config::to_string(vs.protocol)},
                    {"real_servers", reals}});
  }
  return {{"virtual_servers", list}};
}

}  // namespace hadirector::daemon
