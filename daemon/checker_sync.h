// The checker worker's connection-sync glue: keeps the kernel's sync daemons in the role the
// sync policy asks for (on configure, reload, each relayed VRRP state and once IPVS appears),
// writes the net.ipv4.vs.sync_* sysctls from the config (errors logged, never fatal), and
// reports {"role", "interface", "sync_id", "following", "instance_state", "daemons",
// "monitor"} for the status. Re-checks the daemons every `recheck` (repairing outside changes
// and retrying failures). The sync monitor's socket, when a watcher is given, joins the sync
// group and feeds SyncStats.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/core/handle.h"
#include "daemon/core/scheduler.h"
#include "daemon/core/unique_fd.h"
#include "ipvs/ipvs_client.h"
#include "ipvs/sync_policy.h"
#include "ipvs/sync_stats.h"

namespace hadirector::daemon {

class CheckerSync {
 public:
  // Watches a readable fd (the monitor socket); empty: no monitor.
  using FdWatcher = std::function<core::Result<core::Handle>(int fd, std::function<void()>)>;

  CheckerSync(core::Scheduler& scheduler, std::string sysctl_dir = "/proc/sys/net/ipv4/vs",
              FdWatcher watch = {}, core::Duration recheck = std::chrono::seconds(30));

  // First configuration or a reload; applied at once when IPVS is available.
  void configure(const std::optional<config::SyncConfig>& config);
  // {"INSTANCE": "MASTER"|"BACKUP"|"FAULT"|"INIT", ...} relayed from the VRRP worker.
  void on_vrrp_states(const nlohmann::json& states);
  // IPVS is available now: write the sysctls, then start the daemons.
  void attach(ipvs::IpvsClient& client);
  ipvs::SyncRole role() const { return applied_role_; }
  nlohmann::json status() const;

  // The monitor's counters; record() is what the socket calls for each datagram.
  ipvs::SyncStats& monitor_stats() { return stats_; }

 private:
  void apply(const std::string& cause);
  void write_sysctls();
  void open_monitor();
  void read_monitor();
  void warn_once(const std::string& message);

  void schedule_recheck();

  core::Scheduler& scheduler_;
  core::Duration recheck_;
  core::Handle recheck_timer_;
  std::string sysctl_dir_;
  FdWatcher watch_;
  std::optional<config::SyncConfig> config_;
  ipvs::IpvsClient* client_ = nullptr;
  std::string instance_state_;
  ipvs::SyncRole applied_role_ = ipvs::SyncRole::kNone;
  std::vector<ipvs::SyncDaemon> daemons_;  // as the kernel listed them after the last apply
  std::set<std::string> warned_;
  ipvs::SyncStats stats_;
  core::UniqueFd monitor_fd_;
  core::Handle monitor_watch_;
  std::string monitor_error_;
};

}  // namespace hadirector::daemon
