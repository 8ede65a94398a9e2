// The supervisor process: loads and validates the configuration, runs the workers and
// restarts them, reloads on SIGHUP without restarting anything, relays messages between the
// workers, keeps systemd informed and serves the control socket. It runs no protocol itself.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/accept_filter.h"
#include "daemon/config/config.h"
#include "daemon/config/reload_parser.h"
#include "daemon/control_server.h"
#include "daemon/late_trims.h"
#include "daemon/core/event_loop.h"
#include "daemon/metrics_format.h"
#include "daemon/metrics_server.h"
#include "daemon/nft_commands.h"
#include "daemon/systemd_notifier.h"
#include "daemon/worker_process.h"

namespace hadirector::daemon {

struct SupervisorOptions {
  std::string config_path;
  std::string runtime_dir;
  std::string log_level;
};

// Whether `config` needs the worker `kind` ("vrrp", "checker", "snmp"). The VRRP worker always
// runs; the checker only with virtual servers or a `sync:` section (without them it would idle,
// ~1.3 MB of PSS at 1,000 instances); the snmp worker only with the `snmp:` section.
bool worker_needed(const config::Config& config, const std::string& kind);
// Why the checker worker does not run under a configuration that does not need it.
inline constexpr const char* kCheckerNotNeeded =
    "not needed: the configuration has no virtual servers and no sync section";

class Supervisor {
 public:
  Supervisor(core::EventLoop& loop, SupervisorOptions options);
  ~Supervisor();

  // Loads the configuration, writes the pid file, opens the control socket, starts the
  // workers. Errors here end the daemon with a message.
  core::Status start();

 private:
  struct ActiveConfig {
    uint64_t generation = 0;
    std::string tree = {};  // the parsed configuration, encoded for the workers (node_codec.h)
    // After an incremental reload, `tree` is empty until a (re)starting worker needs it: it is
    // then parsed from this text. The running workers got `delta` instead (reload_parser.h).
    std::string text = {};
    std::string delta = {};  // the stub tree of `reused`, for workers holding generation - 1
    std::string bare_delta = {};  // the same for workers reading no real servers
    std::vector<config::ReusedRun> reused = {};
    // Without the VRRP instances once the accept filter has taken their names: the VRRP
    // worker holds them, and here they were ~700 KB at 1,000 instances for a count.
    config::Config parsed;
    size_t instances = 0;
  };
  // Drops what the supervisor no longer needs of the configuration just applied.
  void slim_active_config();
  // In a forked worker, on its copy of this object: frees the configuration and event history
  // it never uses, so their pages leave the worker now instead of staying in its PSS for good
  // once the supervisor frees its own copy (a reload).
  void release_in_worker();
  struct PendingReload {
    uint64_t generation = 0;
    std::set<std::string> waiting;
    std::vector<std::string> worker_errors;
    std::vector<Responder> requesters;
    core::Handle timeout;
    // The configuration the reload replaced, freed once the workers applied the new one, so
    // that freeing it (40,000 real servers) is not between the parse and their start.
    std::optional<ActiveConfig> replaced;
  };
  struct PendingStatus {
    std::function<void(const nlohmann::json&)> done;
    nlohmann::json merged = nlohmann::json::object();
    std::set<std::string> waiting;
    std::set<std::string> reloading;  // not asked: busy applying a reload
    core::Handle timeout;
  };
  struct PendingCommand {
    Responder responder{{}};
    core::Handle timeout;
  };

  core::Status install_signals();
  core::Status write_pid_file();
  void add_worker(const std::string& kind);
  // Optional workers (the checker, for virtual servers or sync; the snmp worker, for the
  // `snmp:` section) run only while the configuration needs them: started by the reload that
  // adds their section (the reload waits for them to be ready), stopped by retire_unneeded()
  // once a reload has removed it. Returns the names of the workers started.
  std::vector<std::string> start_needed_workers();
  void retire_unneeded(const std::string& kind);
  WorkerProcess* find_worker(const std::string& name);

  // Worker messages.
  void on_worker_message(WorkerProcess& worker, nlohmann::json& m);
  void on_worker_started(WorkerProcess& worker);
  void on_worker_ready(WorkerProcess& worker, const nlohmann::json& m);
  void on_worker_applied(WorkerProcess& worker, const nlohmann::json& m);
  void on_worker_event(WorkerProcess& worker, const nlohmann::json& event);
  void send_config(WorkerProcess& worker, const ActiveConfig& config);
  // active_.tree, built first if an incremental reload left it empty.
  const std::string& full_tree();
  void send_reload_config(WorkerProcess& worker);  // the delta where the worker can use it
  void note_worker_base(WorkerProcess& worker, const nlohmann::json& m);

  // Reload (SIGHUP or control socket).
  void reload(std::optional<Responder> requester);
  void finish_reload();

  // Control requests.
  void on_control_request(const nlohmann::json& request, const Responder& responder);
  // Asks every ready worker for its status; `done` gets the merged status (control socket
  // `status` and /metrics both use it), within about a second even if a worker is silent.
  // One status_request is outstanding per worker at a time: a caller arriving meanwhile waits
  // for that answer instead of queueing another behind it (a worker that needs a second for a
  // 10,000-server status would otherwise fall further behind with every poll, and a reload's
  // configuration would wait behind the backlog).
  void gather_status(std::function<void(const nlohmann::json&)> done);
  void on_worker_status(WorkerProcess& worker, nlohmann::json data);
  void finish_status(uint64_t id);
  // How long a status waits for `worker`: a second, or three times its last answer when that
  // was slow (a large configuration), at most five.
  core::Duration status_wait(const std::string& worker) const;
  // Metrics: (re)binds the listener when control.metrics_listen changed; off when absent.
  core::Status apply_metrics_listen();
  SupervisorFacts supervisor_facts() const;
  void forward_command(const std::string& worker, const nlohmann::json& request,
                       const Responder& responder);
  nlohmann::json processes_json() const;

  // Liveness.
  void heartbeat();
  void watchdog_tick();
  void shutdown();
  void stop_next_worker(size_t index);
  std::string status_line() const;

  core::EventLoop& loop_;
  SupervisorOptions options_;
  SystemdNotifier notifier_;
  ActiveConfig active_;
  config::ReloadParser reload_parser_;  // what the next reload may reuse of the running file
  // The generation whose virtual servers each worker keeps to rebuild a reload from a delta.
  std::map<std::string, uint64_t> worker_base_;
  std::vector<std::unique_ptr<WorkerProcess>> workers_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<MetricsServer> metrics_;
  AcceptFilter accept_filter_{run_nft_commands, nftables_present};  // VRRP accept mode
  bool last_reload_ok_ = true;
  std::vector<core::Handle> signals_;
  core::Handle heartbeat_timer_;
  core::Handle watchdog_timer_;
  core::Duration heartbeat_interval_;
  std::optional<core::Duration> watchdog_period_;
  std::set<std::string> unresponsive_;  // logged once per episode
  std::optional<PendingReload> reload_;
  bool reload_queued_ = false;
  std::vector<Responder> queued_requesters_;
  std::map<uint64_t, PendingStatus> statuses_;
  std::map<std::string, core::TimePoint> status_asked_;  // outstanding request, by worker
  std::map<std::string, core::Duration> status_took_;    // last answer's delay, by worker
  std::map<uint64_t, PendingCommand> commands_;
  uint64_t next_request_id_ = 1;
  std::vector<Responder> event_subscribers_;
  // The last events for `events` with "since", kept serialised: as JSON trees, the 1,000
  // transitions of a large configuration's start held ~1 MB.
  std::deque<std::pair<uint64_t, std::string>> recent_events_;  // (seq, JSON text)
  uint64_t event_seq_ = 0;
  bool announced_ready_ = false;
  // While start() forks the first workers: they take generation 1 from active_.parsed, whole
  // (VRRP instances included), and are sent no configuration.
  bool handing_off_ = false;
  bool stopping_ = false;
  core::TimePoint started_at_{};
  std::string pid_file_;
  core::Handle stop_step_;
  LateTrims late_trims_;  // after the start's burst of events, after each reload
  core::Handle retired_sweep_;  // removes stopped workers from workers_
};

}  // namespace hadirector::daemon
