#include "ipvs/sync_policy.h"

#include <algorithm>

#include "ipvs/config_mapping.h"

namespace hadirector::ipvs {

std::string_view sync_role_name(SyncRole role) {
  switch (role) {
    case SyncRole::kMaster:
      return "master";
    case SyncRole::kBackup:
      return "backup";
    case SyncRole::kBoth:
      return "both";
    case SyncRole::kNone:
      break;
  }
  return "none";
}

SyncRole sync_role_for(const config::SyncConfig* config, std::string_view instance_state) {
  if (config == nullptr) return SyncRole::kNone;
  if (config->mode == config::SyncMode::kBoth) return SyncRole::kBoth;
  return instance_state == "MASTER" ? SyncRole::kMaster : SyncRole::kBackup;
}

SyncDaemon sync_daemon_from(const config::SyncConfig& config, SyncState state) {
  SyncDaemon d;
  d.state = state;
  d.interface = config.interface;
  d.sync_id = static_cast<std::uint8_t>(config.sync_id);
  d.max_length = static_cast<std::uint16_t>(config.maxlen.value_or(0));
  if (config.mcast_group) d.group = to_ipvs_address(*config.mcast_group);
  d.port = config.port.value_or(0);
  d.ttl = static_cast<std::uint8_t>(config.ttl.value_or(0));
  return d;
}

std::vector<SyncDaemon> desired_sync_daemons(const config::SyncConfig* config, SyncRole role) {
  std::vector<SyncDaemon> out;
  if (config == nullptr) return out;
  if (role == SyncRole::kMaster || role == SyncRole::kBoth)
    out.push_back(sync_daemon_from(*config, SyncState::kMaster));
  if (role == SyncRole::kBackup || role == SyncRole::kBoth)
    out.push_back(sync_daemon_from(*config, SyncState::kBackup));
  return out;
}

bool sync_daemon_matches(const SyncDaemon& running, const SyncDaemon& wanted) {
  if (running.state != wanted.state || running.interface != wanted.interface ||
      running.sync_id != wanted.sync_id)
    return false;
  if (wanted.max_length != 0 && running.max_length != wanted.max_length) return false;
  if (wanted.group && running.group != wanted.group) return false;
  if (wanted.port != 0 && running.port != wanted.port) return false;
  return wanted.ttl == 0 || running.ttl == wanted.ttl;
}

std::string SyncOp::describe() const {
  const std::string state(sync_state_name(daemon.state));
  if (kind == Kind::kStop) return "stop sync daemon " + state;
  std::string out = "start sync daemon " + state + " on " + daemon.interface + " syncid " +
                    std::to_string(daemon.sync_id);
  if (daemon.group) out += " group " + daemon.group->with_port(daemon.port);
  return out;
}

std::vector<SyncOp> plan_sync(const std::vector<SyncDaemon>& running,
                              const std::vector<SyncDaemon>& wanted) {
  std::vector<SyncOp> stops;
  std::vector<SyncOp> starts;
  for (const auto& r : running) {
    auto w = std::find_if(wanted.begin(), wanted.end(),
                          [&](const SyncDaemon& d) { return d.state == r.state; });
    if (w == wanted.end() || !sync_daemon_matches(r, *w)) stops.push_back({SyncOp::Kind::kStop, r});
  }
  for (const auto& w : wanted) {
    auto r = std::find_if(running.begin(), running.end(),
                          [&](const SyncDaemon& d) { return d.state == w.state; });
    if (r == running.end() || !sync_daemon_matches(*r, w))
      starts.push_back({SyncOp::Kind::kStart, w});
  }
  stops.insert(stops.end(), starts.begin(), starts.end());
  return stops;
}

}  // namespace hadirector::ipvs
