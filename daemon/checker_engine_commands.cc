// CheckerEngine's outward face: the status document and operator commands (drain, enable).
#include <optional>

#include "daemon/checker_engine.h"
#include "daemon/checker_runtime.h"
#include "daemon/core/log.h"
#include "daemon/json_fields.h"
#include "ipvs/config_mapping.h"

namespace hadirector::daemon {
namespace {

nlohmann::json stats_json(const ipvs::Stats& s) {
  return {{"connections", s.connections},       {"in_packets", s.in_packets},
          {"out_packets", s.out_packets},       {"in_bytes", s.in_bytes},
          {"out_bytes", s.out_bytes},           {"connection_rate", s.connection_rate},
          {"in_packet_rate", s.in_packet_rate}, {"out_packet_rate", s.out_packet_rate},
          {"in_byte_rate", s.in_byte_rate},     {"out_byte_rate", s.out_byte_rate}};
}

// One IPVS service of a virtual server with the kernel's live counters ("programmed": false and
// no counters when the kernel does not hold it).
nlohmann::json service_status(const std::string& name,
                              const std::map<std::string, CheckerIpvs::ServiceCounters>& live) {
  auto it = live.find(name);
  if (it == live.end()) return {{"name", name}, {"programmed", false}};
  nlohmann::json dests = nlohmann::json::array();
  for (const auto& d : it->second.destinations)
    dests.push_back({{"address", d.destination.name()},
                     {"weight", d.destination.weight},
                     {"active_connections", d.active_connections},
                     {"inactive_connections", d.inactive_connections},
                     {"persistent_connections", d.persistent_connections},
                     {"stats", stats_json(d.stats)}});
  return {{"name", name},
          {"programmed", true},
          {"stats", stats_json(it->second.service.stats)},
          {"destinations", dests}};
}

}  // namespace

nlohmann::json CheckerEngine::status() const {
  const auto live = ipvs_.counters();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& vs : servers_) {
    nlohmann::json reals = nlohmann::json::array();
    for (const auto& rs : vs->reals) {
      nlohmann::json checks = nlohmann::json::array();
      for (const auto& c : rs->checks) {
        checks.push_back(
            {{"type", c->type},
             {"state", checkers::to_string(c->state)},
             {"last_reason", c->last_reason},
             {"last_latency_ms",
              c->last_latency_ms ? nlohmann::json(*c->last_latency_ms) : nlohmann::json(nullptr)}});
      }
      reals.push_back({{"address", rs->name},
                       {"weight", rs->verdict.weight.value_or(0)},
                       {"configured_weight", rs->config.weight},
                       {"healthy", rs->verdict.healthy},
                       {"state", rs->state},
                       {"reason", rs->verdict.reason},
                       {"in_ipvs", rs->verdict.weight.has_value()},
                       {"checks", checks}});
    }
    const auto& c = vs->config;
    nlohmann::json services = nlohmann::json::array();
    for (const auto& service : ipvs::services_from(c))
      services.push_back(service_status(service.name(), live));
    const std::optional<bool> wanted = wanted_in_kernel(*vs);
    nlohmann::json entry = {
        {"name", c.name},
        {"address", c.address ? c.address->to_string() : "fwmark:" + std::to_string(*c.fwmark)},
        {"protocol", config::to_string(c.protocol)},
        {"scheduler", c.scheduler},
        {"quorum_ok", vs->quorum_ok},
        {"sorry_server_active", vs->sorry_weight.has_value()},
        {"check_stats", vs->check_stats.to_json()},
        // Every IPVS service of the virtual server (several for a group), with live counters.
        {"services", services},
        {"follow_instance", c.follow_instance ? nlohmann::json(*c.follow_instance) : nullptr},
        // false while a followed instance is not MASTER; null until its state is known.
        {"wanted_in_ipvs", wanted ? nlohmann::json(*wanted) : nlohmann::json(nullptr)},
        {"real_servers", reals}};
    list.push_back(std::move(entry));
  }
  return {{"virtual_servers", list},
          {"ipvs", ipvs_.available() ? "ok" : "unavailable"},
          {"sync", sync_.status()}};
}

nlohmann::json CheckerEngine::command(const nlohmann::json& request) {
  const std::string cmd = json_string(request, "cmd");
  const std::string vs_name = json_string(request, "virtual_server");
  const std::string rs_text = json_string(request, "real_server");
  if (cmd != "drain" && cmd != "enable")
    return {{"ok", false}, {"error", "unknown command '" + cmd + "'"}};
  VirtualServerRuntime* vs = nullptr;
  for (auto& v : servers_)
    if (v->config.name == vs_name) vs = v.get();
  if (!vs) return {{"ok", false}, {"error", "no virtual server named '" + vs_name + "'"}};
  auto wanted = config::Endpoint::from_string(rs_text, /*port_optional=*/true);
  RealServerRuntime* rs = nullptr;
  for (auto& r : vs->reals) {
    if (r->name == rs_text) rs = r.get();
    const bool same_addr = wanted && r->config.address.addr == wanted->addr;
    if (!rs && same_addr && (wanted->port == 0 || wanted->port == r->config.address.port))
      rs = r.get();
  }
  if (!rs)
    return {{"ok", false},
            {"error", "virtual server '" + vs_name + "' has no real server '" + rs_text + "'"}};
  const bool drain = cmd == "drain";
  const bool was = drains_.drained(vs->config.name, rs->name);
  std::string message =
      std::string(drain ? "drained " : "enabled ") + rs->name + " in " + vs->config.name;
  if (was == drain) {
    message += drain ? " (already drained)" : " (was not drained)";
  } else if (auto saved = drains_.set(vs->config.name, rs->name, drain); !saved) {
    core::log_warning("could not save drains: " + saved.error().message() +
                      "; the change holds until the checker worker restarts");
    message += " (not persisted: " + saved.error().message() + ")";
  }
  core::log_info(message, {{"HADIRECTOR_VS", vs->config.name},
                           {"HADIRECTOR_RS", rs->name},
                           {"HADIRECTOR_EVENT", drain ? "operator-drain" : "operator-enable"}});
  evaluate(*vs, "operator");
  return {{"ok", true}, {"message", message}};
}

}  // namespace hadirector::daemon
