// VrrpModule's operator commands: `demote INSTANCE` lowers the instance's advertised priority to
// vrrp::kDemotedPriority so a preempting peer takes over for maintenance; `restore INSTANCE`
// undoes it. Demotions live in a DemotionStore under the state directory, so they outlast a
// reload and a restart; each change goes to the event stream with reason demoted / restored.
#include "daemon/core/log.h"
#include "daemon/json_fields.h"
#include "daemon/vrrp_module.h"
#include "vrrp/priority.h"

namespace hadirector::daemon {

void VrrpModule::open_demotions(const config::Config& config) {
  const std::string path = config.global.state_dir + "/demotions.json";
  if (path != demotions_.path()) demotions_ = DemotionStore(path);
}

bool VrrpModule::demoted(const std::string& name) const {
  const vrrp::VrrpInstance* i = instance(name);
  return i && demotion_applies(i->config());
}

bool VrrpModule::demotion_applies(const vrrp::InstanceSettings& config) const {
  return config.priority < 255 && demotions_.demoted(config.name);
}

void VrrpModule::push_tracking(vrrp::VrrpInstance& instance, const vrrp::TrackingResult& result) {
  // The demotion replaces the tracked weights (they come back on restore); a tracked fault
  // still applies.
  // (Called from add_instance before the instance is listed, so not through demoted().)
  const int weight = demotion_applies(instance.config()) ? vrrp::kDemotionWeight : result.weight;
  instance.set_tracking(weight, result.fault);
}

nlohmann::json VrrpModule::command(const nlohmann::json& request) {
  const std::string cmd = json_string(request, "cmd");
  if (cmd != "demote" && cmd != "restore")
    return {{"ok", false}, {"error", "unknown command '" + cmd + "'"}};
  const std::string name = json_string(request, "instance");
  if (name.empty()) return {{"ok", false}, {"error", cmd + " needs an instance name"}};
  return set_demoted(name, cmd == "demote");
}

nlohmann::json VrrpModule::set_demoted(const std::string& name, bool on) {
  auto it = instances_.find(name);
  // A stale demotion of an instance no longer configured may still be cleared.
  const bool stale = it == instances_.end() && !on && demotions_.demoted(name);
  if (it == instances_.end() && !stale)
    return {{"ok", false}, {"not_found", true}, {"error", "no VRRP instance named '" + name + "'"}};
  if (on && it->second.instance->config().priority >= 255)
    return {{"ok", false},
            {"error", "instance '" + name +
                          "' is the address owner (priority 255) and cannot be demoted; lower "
                          "its configured priority to hand it over"}};
  std::string message = std::string(on ? "demoted " : "restored ") + name;
  if (demotions_.demoted(name) == on) {
    message += on ? " (already demoted)" : " (was not demoted)";
    return {{"ok", true}, {"message", message}};
  }
  if (auto saved = demotions_.set(name, on); !saved) {
    core::log_warning("could not save demotions: " + saved.error().message() +
                      "; the change holds until the VRRP worker restarts");
    message += " (not persisted: " + saved.error().message() + ")";
  }
  if (stale) return {{"ok", true}, {"message", message + " (not configured)"}};
  Entry& entry = it->second;
  push_tracking(*entry.instance, entry.tracking ? entry.tracking->result() : vrrp::TrackingResult{});
  const int priority = entry.instance->effective_priority();
  message += ": advertising priority " + std::to_string(priority);
  core::log_info(message, {{"HADIRECTOR_INSTANCE", name},
                           {"HADIRECTOR_EVENT", on ? "operator-demote" : "operator-restore"}});
  if (ctx_.emit_event)
    ctx_.emit_event({{"kind", "vrrp"},
                     {"instance", name},
                     {"reason", on ? "demoted" : "restored"},
                     {"state", vrrp::state_name(entry.instance->state())},
                     {"priority", priority},
                     {"time", iso_time_now()}});
  return {{"ok", true}, {"message", message}, {"priority", priority}};
}

}  // namespace hadirector::daemon
