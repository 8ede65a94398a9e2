// Connection-sync role policy: which kernel sync daemons the configuration wants (mode both: a
// master and a backup always; follow_instance: a master while the followed VRRP instance is
// MASTER, a backup otherwise) and the start/stop operations that take the kernel's running
// daemons there. Pure; daemon/checker_sync applies the plan.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/config.h"
#include "ipvs/ipvs_types.h"

namespace hadirector::ipvs {

enum class SyncRole { kNone, kMaster, kBackup, kBoth };
std::string_view sync_role_name(SyncRole role);

// The role for `config` given the followed instance's relayed state ("MASTER", "BACKUP",
// "FAULT", "INIT", or "" while unknown, which counts as INIT). No config: kNone.
SyncRole sync_role_for(const config::SyncConfig* config, std::string_view instance_state);

// The daemon of one state as configured; unset options stay 0/absent (kernel defaults).
SyncDaemon sync_daemon_from(const config::SyncConfig& config, SyncState state);
std::vector<SyncDaemon> desired_sync_daemons(const config::SyncConfig* config, SyncRole role);

// Whether a running daemon (as listed, with the kernel's defaults filled in) is the wanted one:
// same state, interface and sync id, and equal in every option the wanted one sets.
bool sync_daemon_matches(const SyncDaemon& running, const SyncDaemon& wanted);

struct SyncOp {
  enum class Kind { kStop, kStart };
  Kind kind = Kind::kStart;
  SyncDaemon daemon;  // for kStop only the state matters
  std::string describe() const;
  friend bool operator==(const SyncOp&, const SyncOp&) = default;
};

// Stops first (daemons not wanted, or wanted with other parameters), then starts. Empty when
// the kernel already runs exactly the wanted daemons.
std::vector<SyncOp> plan_sync(const std::vector<SyncDaemon>& running,
                              const std::vector<SyncDaemon>& wanted);

}  // namespace hadirector::ipvs
