// The checker worker's engine: runs the health checks through a CheckPool, keeps each real
// server's health, feeds the real-server policy and hands the table to CheckerIpvs; one event
// and log line per state change, virtual-server health to the VRRP worker, operator drains. A
// reload keeps each unchanged virtual server's whole runtime, and unchanged checks' health in
// changed ones. Runs on any core::Scheduler with injected checker and IPVS factories, so unit
// tests drive it with a manual clock, fake checkers and the fake IPVS client.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "checkers/check_pool.h"
#include "daemon/checker_drains.h"
#include "daemon/checker_ipvs.h"
#include "daemon/checker_sync.h"
#include "daemon/config/config.h"
#include "daemon/real_server_policy.h"

namespace hadirector::daemon {

struct CheckerEngineDeps {
  core::Scheduler& scheduler;
  std::function<core::Result<std::unique_ptr<checkers::Checker>>(const config::CheckSpec&,
                                                                 const checkers::CheckTarget&)>
      make_checker;
  CheckerIpvs::Opener open_ipvs;
  std::function<void(nlohmann::json)> emit_event;
  std::function<void(const std::string& to, nlohmann::json)> relay;
  CheckerIpvs::Timing ipvs_timing{};
  std::string sync_sysctl_dir = "/proc/sys/net/ipv4/vs";
  CheckerSync::FdWatcher watch_fd{};  // for the sync monitor; empty: no monitor
};

class CheckerEngine {
 public:
  explicit CheckerEngine(CheckerEngineDeps deps);
  ~CheckerEngine();
  CheckerEngine(const CheckerEngine&) = delete;
  CheckerEngine& operator=(const CheckerEngine&) = delete;

  // First configuration: reads the drains, starts every check, opens IPVS.
  core::Status configure(const config::Config& config);
  // A reload: real servers whose checks did not change keep their health and running checks.
  core::Status reconfigure(const config::Config& config);
  nlohmann::json status() const;
  // {"cmd": "drain"|"enable", "virtual_server", "real_server"} -> {"ok", "message"|"error"}.
  nlohmann::json command(const nlohmann::json& request);
  // Sends {"virtual_server_health": {NAME: bool, ...}} to the VRRP worker.
  void relay_health();
  // {"INSTANCE": "MASTER"|...} from the VRRP worker: the connection-sync role follows it, and
  // so do virtual servers with follow_instance (programmed only while it is MASTER).
  void on_vrrp_states(const nlohmann::json& states);

 private:
  struct CheckRecord;
  struct RealServerRuntime;
  struct VirtualServerRuntime;
  using Runtimes = std::vector<std::unique_ptr<VirtualServerRuntime>>;

  // A reload's runtimes: virtual servers whose configuration is unchanged are moved over from
  // `previous` as they are (checks, results, counters, timers); the others are built anew.
  struct Built {
    Runtimes servers;
    std::vector<VirtualServerRuntime*> rebuilt;  // new or changed: to evaluate
    std::vector<const VirtualServerRuntime*> kept;
  };
  core::Result<Built> build(const config::Config& config, Runtimes* previous);
  core::Result<std::unique_ptr<VirtualServerRuntime>> build_one(const config::VirtualServer& config,
                                                                const VirtualServerRuntime* old);
  core::Status subscribe_checks(VirtualServerRuntime& vs, RealServerRuntime& rs);
  void on_check(VirtualServerRuntime& vs, RealServerRuntime& rs, CheckRecord& check,
                const checkers::CheckEvent& event);
  void evaluate(VirtualServerRuntime& vs, const std::string& cause_check);
  void report_change(const VirtualServerRuntime& vs, const RealServerRuntime& rs,
                     const std::string& from, const std::string& cause_check);
  void push_table();
  // Check results that changed something mark their virtual server; once the loop is idle
  // each marked one is evaluated once and the table pushed once. A burst of results (startup,
  // a rack going down) then costs O(n), not O(n) per result.
  void mark_changed(VirtualServerRuntime& vs, const std::string& cause_check);
  void evaluate_changed();
  // Whether the services of `vs` belong in the kernel: yes without follow_instance; with it,
  // only while that instance is MASTER; nullopt until the VRRP worker has said (leave as is).
  std::optional<bool> wanted_in_kernel(const VirtualServerRuntime& vs) const;
  void add_desired(const VirtualServerRuntime& vs, std::vector<ipvs::DesiredService>& out) const;
  static bool undecided(const RealServerRuntime& rs);
  RealServerInput input_of(const VirtualServerRuntime& vs, const RealServerRuntime& rs) const;

  CheckerEngineDeps deps_;
  checkers::CheckPool pool_;
  CheckerSync sync_;
  CheckerIpvs ipvs_;
  DrainStore drains_;
  Runtimes servers_;
  std::map<std::string, std::string> vrrp_states_;  // last relayed, by instance name
  std::map<std::string, bool> follow_logged_;       // by virtual server: last logged wanted state
  bool ipvs_started_ = false;
  bool batch_ = false;               // evaluate() leaves pushing and relaying to the caller
  bool evaluating_changed_ = false;  // evaluate() leaves the push to evaluate_changed()
  std::vector<std::pair<VirtualServerRuntime*, std::string>> changed_;  // with the last cause
  core::Handle changed_timer_;
  // Changed virtual servers are evaluated (and the table pushed) once per this window, not
  // once per loop iteration: 10,000 probes spread over a second changing state at start were
  // 10,000 walks of their virtual server and 10,000 pushes of the whole table (quadratic; the
  // first round took tens of seconds in the VM). It delays a verdict by at most this much.
  static constexpr core::Duration kEvaluateBatch = std::chrono::milliseconds(20);
};

}  // namespace hadirector::daemon
