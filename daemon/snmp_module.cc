#include "daemon/snmp_module.h"

#include <net/if.h>

#include "daemon/core/log.h"
#include "daemon/json_fields.h"

namespace hadirector::daemon {
namespace {

constexpr core::Duration kRefreshInterval = std::chrono::seconds(1);

}  // namespace

core::Status SnmpModule::configure(const config::Config& config) {
  config_ = config;
  if (!config.snmp) return core::fail(core::Errc::kInvalid, "no snmp section in the configuration");
  socket_path_ = config.snmp->agentx_socket;
  if (auto started = agent_.start(socket_path_); !started) return started;
  core::log_info("snmp: AgentX sub-agent for VRRPv3-MIB and HADIRECTOR-MIB on " + socket_path_);
  refresh();
  return {};
}

core::Status SnmpModule::reconfigure(const config::Config& new_config) {
  // net-snmp cannot move its master session in place; the supervisor restarts this worker
  // when the socket changes, so here only the configuration behind the view moves.
  if (new_config.snmp && new_config.snmp->agentx_socket != socket_path_)
    core::log_notice("snmp: agentx_socket changes take effect when the snmp worker restarts");
  config_ = new_config;
  refresh();
  return {};
}

nlohmann::json SnmpModule::status() const {
  return {{"snmp",
           {{"agentx_socket", socket_path_},
            {"notifications_sent", notifications_sent_},
            {"view_refreshes", refreshes_}}}};
}

void SnmpModule::on_relay(const std::string& from, const nlohmann::json& payload) {
  if (from != "supervisor" || !payload.is_object()) return;
  if (payload.contains("event")) on_event(payload["event"]);
  if (payload.contains("status_reply")) {
    auto it = queries_.find(json_u64(payload, "status_reply"));
    if (it == queries_.end()) return;
    auto done = std::move(it->second);
    queries_.erase(it);
    done(json_object(payload, "status"));
  }
}

void SnmpModule::refresh(std::function<void()> then) {
  refresh_timer_ = ctx_.loop.schedule_after(kRefreshInterval, [this] { refresh(); });
  // Answers that never come (a supervisor busy reloading) must not pile up.
  if (queries_.size() > 16) queries_.erase(queries_.begin());
  const uint64_t id = next_query_++;
  queries_[id] = [this, then = std::move(then)](const nlohmann::json& status) {
    on_status(status);
    if (then) then();
  };
  ctx_.relay("supervisor", {{"status_query", id}});
}

void SnmpModule::on_status(const nlohmann::json& status) {
  const auto now = ctx_.loop.now();
  std::map<std::string, uint64_t> up_cs;
  const nlohmann::json instances =
      json_object(status, "vrrp").value("instances", nlohmann::json::array());
  for (const auto& i : instances) {
    const std::string name = json_string(i, "name");
    if (json_string(i, "state", "INIT") == "INIT") {
      left_init_.erase(name);
      continue;
    }
    auto [it, fresh] = left_init_.try_emplace(name, now);
    up_cs[name] = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second).count() / 10);
  }
  auto if_index = [](const std::string& name) -> uint32_t { return if_nametoindex(name.c_str()); };
  snmp::MibView view(snmp::ViewInputs{status, config_, if_index, up_cs});
  auto proto_errors = view.take_proto_errors(agent_.view());
  agent_.set_view(std::move(view));
  ++refreshes_;
  for (const auto& [instance, vbs] : proto_errors)
    if (proto_error_throttle_.allow(instance, now) && agent_.notify(vbs)) ++notifications_sent_;
}

void SnmpModule::on_event(const nlohmann::json& event) {
  const std::string kind = json_string(event, "kind");
  const std::string reason = json_string(event, "reason");
  // The notification carries current values (master address, state), so it goes out after
  // the view has caught up with the event.
  if (kind == "vrrp" && json_string(event, "to") == "MASTER") {
    const std::string instance = json_string(event, "instance");
    refresh([this, instance, reason] {
      if (auto vbs = agent_.view().new_master(instance, reason); vbs && agent_.notify(*vbs)) {
        ++notifications_sent_;
        core::log_info("snmp: vrrpv3NewMaster sent for instance " + instance,
                       {{"HADIRECTOR_INSTANCE", instance}, {"HADIRECTOR_EVENT", "snmp-trap"}});
      }
    });
  } else if (kind == "real_server") {
    const std::string vs = json_string(event, "virtual_server");
    const std::string rs = json_string(event, "real_server");
    refresh([this, vs, rs, reason] {
      if (auto vbs = agent_.view().real_server_change(vs, rs, reason); vbs && agent_.notify(*vbs))
        ++notifications_sent_;
    });
  } else {
    refresh();
  }
}

}  // namespace hadirector::daemon
