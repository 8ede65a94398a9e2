#include "daemon/supervisor.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/config/node_codec.h"
#include "daemon/config_loading.h"
#include "daemon/core/log.h"
#include "daemon/core/unique_fd.h"
#include "daemon/json_fields.h"
#include "daemon/worker_main.h"

namespace hadirector::daemon {
namespace {

constexpr core::Duration kReloadTimeout = std::chrono::seconds(10);
constexpr core::Duration kStopGrace = std::chrono::milliseconds(1500);
constexpr core::Duration kDefaultHeartbeat = std::chrono::seconds(1);

// Read into one buffer sized by fstat: through a stream, the reload's 1.8 MB file (2000x20)
// took 77-138 ms in the VM between `reload: reading` and the parse; this way 66 ms.
core::Result<std::string> read_text(const std::string& path) {
  const core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return core::fail_errno(errno, "open " + path);
  struct stat st{};
  std::string text;
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) text.reserve(static_cast<size_t>(st.st_size));
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return core::fail_errno(errno, "read " + path);
    if (n == 0) return text;
    text.append(chunk, static_cast<size_t>(n));
  }
}

// Creates `path` (and missing parents, 0755 like mkdir -p) with `mode` whatever the umask.
core::Status make_private_dir(const std::string& path, mode_t mode, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return {};
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    return core::fail_errno(errno, "create " + what + " " + path);
  if (::chmod(path.c_str(), mode) != 0) return core::fail_errno(errno, "chmod " + what + " " + path);
  return {};
}

// The snmp worker's program, hadirectord-snmp from hadirectord's directory (only it loads
// net-snmp); the other workers are forked from the supervisor.
std::string snmp_executable() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string path = (self.parent_path() / "hadirectord-snmp").string();
  if (ec || ::access(path.c_str(), X_OK) != 0)
    core::log_error("snmp worker: cannot run " + path + " (" +
                    (ec ? ec.message() : std::string(strerrorname_np(errno))) +
                    "); is hadirectord-snmp installed beside hadirectord?");
  return path;
}

std::string ms(core::Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace

bool worker_needed(const config::Config& config, const std::string& kind) {
  // Without virtual servers the checker has no check to run, no IPVS service to program and
  // no drain to apply (drains name a virtual server); without a sync section it leaves the
  // kernel's sync daemons alone. VRRP tracks only configured virtual servers.
  if (kind == "checker") return !config.virtual_servers.empty() || config.sync.has_value();
  return kind != "snmp" || config.snmp.has_value();
}

Supervisor::Supervisor(core::EventLoop& loop, SupervisorOptions options)
    : loop_(loop), options_(std::move(options)), heartbeat_interval_(kDefaultHeartbeat) {}

Supervisor::~Supervisor() {
  if (!pid_file_.empty()) ::unlink(pid_file_.c_str());
}

core::Status Supervisor::start() {
  started_at_ = loop_.now();
  auto text = read_text(options_.config_path);
  if (!text) return std::unexpected(text.error().wrap("load configuration"));
  std::string tree;  // what the workers load, so they need not parse the YAML again
  const auto parse_start = std::chrono::steady_clock::now();
  auto loaded = load_config_text(*text, options_.config_path, &tree);
  core::log_debug("configuration parsed and encoded in " +
                  ms(std::chrono::steady_clock::now() - parse_start));
  if (!loaded) {
    for (const auto& e : loaded.error()) core::log_error(e.to_string());
    return core::fail(core::Errc::kInvalid, "configuration " + options_.config_path + " has " +
                                                std::to_string(loaded.error().size()) +
                                                " error(s)");
  }
  // Moved, not copied: the text left in this frame would stay in every forked worker for
  // good (they never return from spawn() below), 150 KB at 1,000 instances.
  reload_parser_.remember(std::move(*text), options_.config_path, *loaded);
  active_ = ActiveConfig{.generation = 1, .tree = std::move(tree), .parsed = std::move(*loaded)};

  // The control socket's group may traverse the runtime dir; nobody else may look into
  // either directory. Modes are set on creation only: an operator's chmod stays.
  if (auto dir = make_private_dir(options_.runtime_dir, 0750, "runtime dir"); !dir) return dir;
  // Only the drain store lives there: without it the daemon still runs.
  if (auto dir = make_private_dir(active_.parsed.global.state_dir, 0750, "state dir"); !dir)
    core::log_warning(dir.error().message() + "; drains will not persist");
  if (auto pid = write_pid_file(); !pid) return pid;
  if (auto sig = install_signals(); !sig) return sig;

  ControlLimits limits;
  limits.max_clients = static_cast<size_t>(active_.parsed.control.max_clients);
  control_ = std::make_unique<ControlServer>(
      loop_, limits,
      [this](const nlohmann::json& request, const Responder& r) { on_control_request(request, r); });
  if (auto listening = control_->listen(options_.runtime_dir + "/control.sock"); !listening)
    return listening;
  if (auto group = control_->set_read_group(active_.parsed.control.read_group); !group)
    core::log_error(group.error().message());
  if (auto metrics = apply_metrics_listen(); !metrics) return metrics;
  accept_filter_.apply(active_.parsed);  // before the VRRP worker can take a VIP

  watchdog_period_ = SystemdNotifier::watchdog_period();
  if (watchdog_period_) {
    heartbeat_interval_ = std::min<core::Duration>(kDefaultHeartbeat, *watchdog_period_ / 4);
    watchdog_tick();
  }
  // The YAML parse left its freed heap behind (megabytes at 1,000 instances): given back before
  // the workers are forked, or each of them keeps a copy of those pages once we trim ours.
  ::malloc_trim(0);
  for (const char* kind : {"vrrp", "checker", "snmp"})
    if (worker_needed(active_.parsed, kind)) add_worker(kind);
  // Forked now, the workers take generation 1 from their copy of active_.parsed instead of
  // decoding its tree (a second at 40,000 real servers, before the first IPVS request).
  handing_off_ = true;
  for (auto& w : workers_) {
    if (auto spawned = w->spawn(); !spawned) return spawned;
  }
  handing_off_ = false;
  slim_active_config();  // the VRRP worker took the instances with its copy
  // Heartbeats feed only the watchdog: without one they would wake every process each second
  // for nothing (an idle pair's CPU is counted per advert).
  if (watchdog_period_) heartbeat();
  late_trims_.schedule(loop_);  // after the start's burst of events and messages
  core::log_info("hadirectord starting: configuration " + options_.config_path +
                 ", generation 1, runtime dir " + options_.runtime_dir);
  return {};
}

void Supervisor::slim_active_config() {
  active_.instances = active_.parsed.vrrp.instances.size();
  std::vector<config::VrrpInstance>().swap(active_.parsed.vrrp.instances);  // capacity too
}

core::Status Supervisor::write_pid_file() {
  pid_file_ = options_.runtime_dir + "/hadirectord.pid";
  if (auto old = read_text(pid_file_)) {
    pid_t pid = static_cast<pid_t>(std::atol(old->c_str()));
    if (pid > 0 && pid != getpid() && ::kill(pid, 0) == 0) {
      std::string path = pid_file_;
      pid_file_.clear();  // Not ours: leave it alone.
      return core::fail(core::Errc::kExists, "another hadirectord (pid " + std::to_string(pid) +
                                                 ") uses runtime dir " + options_.runtime_dir +
                                                 " (" + path + ")");
    }
  }
  std::string tmp = pid_file_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << getpid() << "\n";
    if (!out) return core::fail_errno(errno, "write " + tmp);
  }
  if (::rename(tmp.c_str(), pid_file_.c_str()) < 0)
    return core::fail_errno(errno, "rename " + tmp);
  return {};
}

core::Status Supervisor::install_signals() {
  auto add = [this](int signo, std::function<void()> fn) -> core::Status {
    auto h = loop_.on_signal(signo, [fn = std::move(fn)](const signalfd_siginfo&) { fn(); });
    if (!h) return std::unexpected(h.error());
    signals_.push_back(std::move(*h));
    return {};
  };
  ::signal(SIGPIPE, SIG_IGN);
  for (auto r : {add(SIGHUP, [this] { reload(std::nullopt); }),
                 add(SIGTERM, [this] { shutdown(); }), add(SIGINT, [this] { shutdown(); }),
                 add(SIGUSR1, [this] {
                   core::log_info("status: " + nlohmann::json{{"generation", active_.generation},
                                                              {"processes", processes_json()}}
                                                   .dump());
                 })}) {
    if (!r) return r;
  }
  return {};
}

void Supervisor::add_worker(const std::string& kind) {
  WorkerProcess::Hooks hooks{
      [this](WorkerProcess& w, nlohmann::json& m) { on_worker_message(w, m); },
      [this](WorkerProcess& w) { on_worker_started(w); },
      [this](WorkerProcess& w) {
        if (reload_ && reload_->waiting.erase(w.name())) {
          reload_->worker_errors.push_back(w.name() + " died during the reload");
          if (reload_->waiting.empty()) finish_reload();
        }
      }};
  if (kind == "snmp") {
    workers_.push_back(std::make_unique<WorkerProcess>(
        loop_, kind,
        std::vector<std::string>{"hadirectord-snmp", "--worker", kind, "--ipc-fd", "3",
                                 "--log-level", options_.log_level},
        hooks, snmp_executable()));
    return;
  }
  // The others are forked, not exec'd: they share our libraries' relocated pages.
  workers_.push_back(std::make_unique<WorkerProcess>(
      loop_, kind, std::vector<std::string>{"hadirectord", "--worker", kind}, hooks,
      [this, kind](int ipc_fd) {
        std::optional<HandedConfig> handed;
        if (handing_off_) handed = HandedConfig{active_.generation, std::move(active_.parsed)};
        release_in_worker();
        return run_worker(kind, ipc_fd, {}, std::move(handed));
      }));
}

void Supervisor::release_in_worker() {
  // Destroyed through a move, not assigned an empty value: a std::string assigned an empty
  // (short) string keeps its buffer, the configuration's tree (145 KB at 1,000 instances).
  { const ActiveConfig gone = std::move(active_); }
  { const config::ReloadParser gone = std::move(reload_parser_); }  // the running file's text
  reload_parser_.forget();
  { const AcceptFilter gone = std::move(accept_filter_); }  // instance names
  std::deque<std::pair<uint64_t, std::string>>().swap(recent_events_);
  ::malloc_trim(0);
}

std::vector<std::string> Supervisor::start_needed_workers() {
  std::vector<std::string> started;
  for (const char* kind : {"checker", "snmp"}) {
    if (!worker_needed(active_.parsed, kind)) continue;
    // One still stopping from an earlier reload does not count: it is on its way out.
    if (WorkerProcess* w = find_worker(kind); w && !w->stopping()) continue;
    core::log_info(std::string("the configuration needs the ") + kind + " worker: starting it");
    add_worker(kind);
    if (auto spawned = workers_.back()->spawn(); !spawned)
      core::log_error(std::string(kind) + " worker: " + spawned.error().message() + "; retrying");
    else
      started.push_back(kind);
  }
  return started;
}

void Supervisor::retire_unneeded(const std::string& kind) {
  WorkerProcess* worker = find_worker(kind);
  if (!worker || worker->stopping() || worker_needed(active_.parsed, kind)) return;
  core::log_info("the configuration leaves the " + kind + " worker nothing to do: stopping it");
  worker->stop(kStopGrace, [this] {
    retired_sweep_ = loop_.defer([this] {
      if (stopping_) return;  // shutdown walks workers_ by index
      std::erase_if(workers_, [](const auto& w) { return w->stopping() && !w->running(); });
    });
  });
}

WorkerProcess* Supervisor::find_worker(const std::string& name) {
  // A worker being retired may still be there beside its successor: the successor answers.
  WorkerProcess* found = nullptr;
  for (auto& w : workers_)
    if (w->name() == name && (!found || found->stopping())) found = w.get();
  return found;
}

void Supervisor::send_config(WorkerProcess& worker, const ActiveConfig& config) {
  worker.send({{"type", "config"},
               {"generation", config.generation},
               {"path", options_.config_path},
               {"tree", &config == &active_ ? full_tree() : config.tree}});
}

const std::string& Supervisor::full_tree() {
  if (active_.tree.empty() && !active_.text.empty()) {
    // The text was valid when it became this generation: only its tree was left to build.
    if (!load_config_text(active_.text, options_.config_path, &active_.tree))
      core::log_error("generation " + std::to_string(active_.generation) +
                      " no longer parses; a worker starting now gets no configuration");
    active_.text.clear();
  }
  return active_.tree;
}

void Supervisor::note_worker_base(WorkerProcess& worker, const nlohmann::json& m) {
  // A worker says "base" when it keeps the generation's virtual servers for the next delta.
  if (json_bool(m, "base") && json_bool(m, "ok", true))
    worker_base_[worker.name()] = json_u64(m, "generation");
  else
    worker_base_.erase(worker.name());
}

void Supervisor::on_worker_started(WorkerProcess& worker) {
  status_asked_.erase(worker.name());  // the new process was never asked
  // A worker forked at start took its configuration with its copy of our memory (add_worker).
  if (!handing_off_ || !worker.forked()) send_config(worker, active_);
  // The other workers may hold state the restarted one needs (e.g. which virtual servers are
  // healthy): tell them so they can send it again.
  for (auto& other : workers_) {
    if (other.get() != &worker && other->running())
      other->send({{"type", "relayed"},
                   {"from", "supervisor"},
                   {"payload", {{"peer_started", worker.name()}}}});
  }
}

void Supervisor::on_worker_message(WorkerProcess& worker, nlohmann::json& m) {
  const std::string type = json_string(m, "type");
  if (type == "ready") {
    note_worker_base(worker, m);
    on_worker_ready(worker, m);
  } else if (type == "applied") {
    note_worker_base(worker, m);
    on_worker_applied(worker, m);
  } else if (type == "status") {
    on_worker_status(worker, m.contains("data") ? std::move(m["data"]) : nlohmann::json());
  } else if (type == "command_reply") {
    auto it = commands_.find(json_u64(m, "id"));
    if (it == commands_.end()) return;
    it->second.responder.send(json_object(m, "reply"));
    commands_.erase(it);
  } else if (type == "event") {
    on_worker_event(worker, json_object(m, "event"));

  } else if (type == "relay" && json_string(m, "to") == "supervisor") {
    // A status query (the snmp worker's view of the daemon), answered to the worker that
    // asked if it still lives.
    const nlohmann::json payload = json_object(m, "payload");
    if (!payload.contains("status_query")) return;
    gather_status([this, id = json_u64(payload, "status_query"),
                   name = worker.name()](const nlohmann::json& s) {
      WorkerProcess* w = find_worker(name);
      if (w && w->running())
        w->send({{"type", "relayed"},
                 {"from", "supervisor"},
                 {"payload", {{"status_reply", id}, {"status", s}}}});
    });
  } else if (type == "relay") {
    WorkerProcess* to = find_worker(json_string(m, "to"));
    if (to && to->running())
      to->send({{"type", "relayed"}, {"from", worker.name()}, {"payload", json_object(m, "payload")}});
  } else {
    core::log_warning("worker " + worker.name() + " sent an unknown message type '" + type + "'");
  }
}

void Supervisor::on_worker_ready(WorkerProcess& worker, const nlohmann::json& m) {
  worker.set_ready(true);
  // A worker the reload started has applied the reload's generation.
  if (reload_ && json_u64(m, "generation") == reload_->generation &&
      reload_->waiting.erase(worker.name()) && reload_->waiting.empty())
    finish_reload();
  if (announced_ready_) {
    core::log_info("worker " + worker.name() + (worker.restarts() == 0 ? " ready" : " ready again") +
                   " (restart " + std::to_string(worker.restarts()) + ")");
    notifier_.status(status_line());
    return;
  }
  for (auto& w : workers_)
    if (!w->ready()) return;
  announced_ready_ = true;
  core::log_info("hadirectord ready: generation " + std::to_string(active_.generation));
  notifier_.ready(status_line());
}

void Supervisor::reload(std::optional<Responder> requester) {
  if (stopping_) return;
  if (reload_) {
    // One more reload after the running one, which reads the file again.
    reload_queued_ = true;
    if (requester) queued_requesters_.push_back(*requester);
    return;
  }
  notifier_.reloading();
  core::log_debug("reload: reading " + options_.config_path);
  auto reject = [&](const std::vector<std::string>& errors, const std::string& summary) {
    last_reload_ok_ = false;
    for (const auto& e : errors) core::log_error(e);
    core::log_error("reload rejected: " + summary + "; keeping the running configuration "
                    "(generation " + std::to_string(active_.generation) + ")");
    notifier_.ready(status_line());
    if (requester)
      requester->send({{"ok", false}, {"error", "reload rejected: " + summary},
                       {"errors", errors}, {"generation", active_.generation}});
  };
  auto text = read_text(options_.config_path);
  if (!text) return reject({text.error().message()}, "cannot read the configuration");
  std::string tree;  // what the workers load, so they need not parse the YAML again
  std::vector<config::ReusedRun> reused;  // non-empty: `tree` is a delta (reload_parser.h)
  config::Node stub_tree;                 // the delta's, for the workers without real servers
  const auto parse_start = std::chrono::steady_clock::now();
  auto loaded = load_config_reload(*text, options_.config_path, reload_parser_,
                                   active_.parsed.virtual_servers, tree, reused, &stub_tree);
  core::log_debug("configuration parsed and encoded in " +
                  ms(std::chrono::steady_clock::now() - parse_start) + " (" +
                  (reused.empty() ? "in full" : std::to_string(reused.size()) + " runs reused") +
                  ")");
  if (!loaded) {
    std::vector<std::string> errors;
    for (const auto& e : loaded.error()) errors.push_back(e.to_string());
    return reject(errors, std::to_string(errors.size()) + " error(s) in " + options_.config_path);
  }
  ActiveConfig replaced = std::move(active_);
  active_ = ActiveConfig{.generation = replaced.generation + 1, .parsed = std::move(*loaded)};
  if (reused.empty()) {
    active_.tree = std::move(tree);
  } else {
    active_.text = *text;
    active_.delta = std::move(tree);
    active_.reused = std::move(reused);
  }
  if (auto metrics = apply_metrics_listen(); !metrics)
    core::log_error(metrics.error().message() + "; /metrics is off until the next reload");
  const std::vector<std::string> started = start_needed_workers();
  retire_unneeded("snmp");  // the checker only once it has applied this reload (finish_reload)
  accept_filter_.apply(active_.parsed);
  slim_active_config();
  if (auto group = control_->set_read_group(active_.parsed.control.read_group); !group)
    core::log_error(group.error().message());
  reload_.emplace();
  reload_->generation = active_.generation;
  reload_->replaced = std::move(replaced);
  if (requester) reload_->requesters.push_back(*requester);
  // The checker first: its IPVS changes are what the reload is waited for. Then the others'
  // delta is cut from the stub tree, and the tree freed, off that path.
  for (bool checker : {true, false}) {
    if (!checker && !active_.reused.empty()) {
      config::cut_real_servers(stub_tree);
      active_.bare_delta = config::encode_tree(stub_tree);
      stub_tree = config::Node();
    }
    for (auto& w : workers_) {
      // A worker that is down gets this configuration when it starts again; one being retired
      // gets none (it would only delay the reload).
      if (runs_real_servers(w->name()) == checker && w->running() && w->ready() &&
          !w->stopping()) {
        reload_->waiting.insert(w->name());
        send_reload_config(*w);
      }
    }
  }
  // Started for this generation (on_worker_started sent it): done when it says ready.
  reload_->waiting.insert(started.begin(), started.end());
  core::log_debug("reload: generation " + std::to_string(active_.generation) + " sent to " +
                  std::to_string(reload_->waiting.size()) + " workers " +
                  ms(std::chrono::steady_clock::now() - parse_start) + " after the parse began");
  // Once the workers have their work: cutting the text again is on nobody's critical path.
  reload_parser_.remember(std::move(*text), options_.config_path, active_.parsed);
  reload_->timeout = loop_.schedule_after(kReloadTimeout, [this] {
    for (const auto& name : reload_->waiting)
      reload_->worker_errors.push_back(name + " did not confirm within " + ms(kReloadTimeout));
    reload_->waiting.clear();
    finish_reload();
  });
  if (reload_->waiting.empty()) finish_reload();
}

void Supervisor::send_reload_config(WorkerProcess& worker) {
  auto base = worker_base_.find(worker.name());
  if (active_.reused.empty() || base == worker_base_.end() ||
      base->second + 1 != active_.generation)
    return send_config(worker, active_);
  worker.send({{"type", "config"},
               {"generation", active_.generation},
               {"path", options_.config_path},
               {"tree", runs_real_servers(worker.name()) || active_.bare_delta.empty()
                            ? active_.delta
                            : active_.bare_delta},
               {"base", base->second},
               {"reuse", reused_to_json(active_.reused)}});
}

void Supervisor::on_worker_applied(WorkerProcess& worker, const nlohmann::json& m) {
  if (!reload_ || json_u64(m, "generation") != reload_->generation) return;
  if (!json_bool(m, "ok"))
    reload_->worker_errors.push_back(worker.name() + ": " + json_string(m, "error", "unknown error"));
  reload_->waiting.erase(worker.name());
  if (reload_->waiting.empty()) finish_reload();
}

void Supervisor::finish_reload() {
  PendingReload done = std::move(*reload_);
  reload_.reset();
  done.timeout.cancel();
  last_reload_ok_ = done.worker_errors.empty();
  for (const auto& e : done.worker_errors)
    core::log_error("reload generation " + std::to_string(done.generation) + ": " + e);
  core::log_info("reload complete: generation " + std::to_string(done.generation));
  // After the checker applied the generation: it has deleted the IPVS services it released.
  if (done.generation == active_.generation) retire_unneeded("checker");
  late_trims_.schedule(loop_);  // the parse's heap
  notifier_.ready(status_line());
  nlohmann::json reply = {{"ok", done.worker_errors.empty()}, {"generation", done.generation}};
  if (!done.worker_errors.empty()) reply["errors"] = done.worker_errors;
  for (const auto& r : done.requesters) r.send(reply);
  if (reload_queued_) {
    reload_queued_ = false;
    auto requesters = std::exchange(queued_requesters_, {});
    reload(std::nullopt);
    // Queued requesters learn the outcome of the reload that re-read the file.
    if (reload_) {
      for (auto& r : requesters) reload_->requesters.push_back(r);
    } else {
      for (auto& r : requesters)
        r.send({{"ok", false}, {"error", "reload rejected"}, {"generation", active_.generation}});
    }
  }
}

void Supervisor::heartbeat() {
  for (auto& w : workers_)
    if (w->ready()) w->send_ping();
  heartbeat_timer_ = loop_.schedule_after(heartbeat_interval_, [this] { heartbeat(); });
}

void Supervisor::watchdog_tick() {
  const core::Duration window = 3 * heartbeat_interval_;
  bool all_ok = true;
  for (auto& w : workers_) {
    bool ok = w->responsive(window);
    if (!ok && unresponsive_.insert(w->name()).second) {
      core::log_error("worker " + w->name() + " has not answered heartbeats for " +
                      ms(w->since_last_pong()) + "; withholding the systemd watchdog");
    } else if (ok && unresponsive_.erase(w->name())) {
      core::log_info("worker " + w->name() + " answers heartbeats again");
    }
    all_ok = all_ok && ok;
  }
  if (all_ok) notifier_.watchdog();
  watchdog_timer_ = loop_.schedule_after(*watchdog_period_ / 4, [this] { watchdog_tick(); });
}

void Supervisor::shutdown() {
  if (stopping_) return;
  stopping_ = true;
  core::log_info("stopping: workers in order vrrp, checker");
  notifier_.stopping();
  heartbeat_timer_.cancel();
  watchdog_timer_.cancel();
  stop_next_worker(0);
}

void Supervisor::stop_next_worker(size_t index) {
  if (index >= workers_.size()) {
    accept_filter_.remove();  // the VRRP worker has released the VIPs by now
    core::log_info("hadirectord stopped");
    loop_.exit(0);
    return;
  }
  workers_[index]->stop(kStopGrace, [this, index] {
    // Continue from the loop, not from inside the worker's exit callback.
    stop_step_ = loop_.defer([this, index] { stop_next_worker(index + 1); });
  });
}

std::string Supervisor::status_line() const {
  std::string line = "generation " + std::to_string(active_.generation) + "; workers:";
  for (const auto& w : workers_)
    line += " " + w->name() + (w->ready() ? " up" : w->running() ? " starting" : " down");
  line += "; " + std::to_string(active_.instances) + " VRRP instance(s), " +
          std::to_string(active_.parsed.virtual_servers.size()) + " virtual server(s)";
  return line;
}

}  // namespace hadirector::daemon
