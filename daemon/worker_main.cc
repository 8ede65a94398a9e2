#include "daemon/worker_main.h"

#include <linux/capability.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>

#include "checkers/tcp/tcp_checker.h"
#include "daemon/config_loading.h"
#include "daemon/core/log.h"
#include "daemon/json_fields.h"
#include "daemon/ipc_channel.h"
#include "daemon/late_trims.h"
#include "daemon/worker_modules.h"

namespace hadirector::daemon {
namespace {

bool runs_vrrp_scripts_as_user(const config::Config& c) {
  bool any_notify = false;
  for (const auto& i : c.vrrp.instances) {
    const auto& n = i.notify;
    any_notify = any_notify || !n.master.empty() || !n.backup.empty() || !n.fault.empty() ||
                 !n.stop.empty() || !n.any.empty();
  }
  for (const auto& s : c.vrrp.scripts)
    if (s.user || c.global.script_user) return true;
  return any_notify && c.global.script_user.has_value();
}

// Which checks the checker runs: icmp ones and half-open tcp ones need a raw socket, exec ones
// with `user` a setuid.
void checker_needs(const config::Config& c, bool& icmp, bool& as_user) {
  for (const auto& vs : c.virtual_servers)
    for (const auto& rs : vs.real_servers)
      for (const auto& check : rs.checks) {
        icmp = icmp || check.type == "icmp" ||
               (check.type == "tcp" && checkers::tcp::tcp_check_may_half_open(check.params));
        as_user = as_user || (check.type == "exec" && check.params.find("user") != nullptr);
      }
}

}  // namespace

core::CapabilitySet worker_capabilities(const std::string& kind, const config::Config& config) {
  // The SNMP sub-agent only talks to snmpd's AgentX socket and to the supervisor: nothing.
  if (kind == "snmp") return {};
  core::CapabilitySet caps{CAP_NET_ADMIN};
  bool as_user = false;
  if (kind == "vrrp") {
    caps.add(CAP_NET_RAW);
    if (config.vrrp.realtime) {
      caps.add(CAP_SYS_NICE);
      caps.add(CAP_IPC_LOCK);
    }
    as_user = runs_vrrp_scripts_as_user(config);
  } else {
    bool icmp = false;
    checker_needs(config, icmp, as_user);
    if (icmp) caps.add(CAP_NET_RAW);
  }
  if (as_user) {
    caps.add(CAP_SETUID);
    caps.add(CAP_SETGID);
    caps.add(CAP_KILL);
  }
  return caps;
}

namespace {

class Worker {
 public:
  Worker(std::string kind, core::EventLoop& loop, core::UniqueFd fd, ModuleFactory make)
      : kind_(std::move(kind)), loop_(loop), channel_(loop, std::move(fd)), make_(std::move(make)) {}

  core::Status start() {
    WorkerContext ctx{
        loop_,
        [this](nlohmann::json event) {
          channel_.send({{"type", "event"}, {"event", std::move(event)}});
        },
        [this](const std::string& to, nlohmann::json payload) {
          channel_.send({{"type", "relay"}, {"to", to}, {"payload", std::move(payload)}});
        }};
    module_ = make_ ? make_(kind_, ctx) : make_worker_module(kind_, ctx);
    if (!module_) return core::fail(core::Errc::kInvalid, "unknown worker kind " + kind_);
    auto term = loop_.on_signal(SIGTERM, [this](const signalfd_siginfo&) { stop(); });
    if (!term) return std::unexpected(term.error());
    term_ = std::move(*term);
    return channel_.start([this](const nlohmann::json& m) { on_message(m); },
                          [this](const std::string& why) {
                            core::log_warning("worker " + kind_ + ": supervisor channel closed (" +
                                              why + "), stopping");
                            stop();
                          });
  }

  // The configuration a worker forked at start took from the supervisor's parse in its memory:
  // applied as if it had come over the channel, without decoding a tree.
  void apply_handed(uint64_t generation, config::Config& config) {
    apply_loaded(generation, config, "taken from the supervisor's parse");
  }

 private:
  void on_message(const nlohmann::json& m) {
    const std::string type = json_string(m, "type");
    if (type == "ping") {
      channel_.send({{"type", "pong"}, {"seq", json_u64(m, "seq")}});
    } else if (type == "config") {
      apply_config(m);
    } else if (type == "status_request") {
      channel_.send({{"type", "status"}, {"id", json_u64(m, "id")}, {"data", module_->status()}});
    } else if (type == "relayed") {
      module_->on_relay(json_string(m, "from"), json_object(m, "payload"));
    } else if (type == "command") {
      auto reply = module_->command(json_object(m, "request"));
      channel_.send({{"type", "command_reply"}, {"id", json_u64(m, "id")}, {"reply", reply}});
    } else if (type == "stop") {
      stop();
    } else {
      core::log_warning("worker " + kind_ + ": ignoring unknown message type '" + type + "'");
    }
  }

  void apply_config(const nlohmann::json& m) {
    uint64_t generation = json_u64(m, "generation");
    // The supervisor sends the tree it parsed ("tree"); plain YAML is still understood.
    const std::string path = json_string(m, "path", "config");
    const auto t0 = std::chrono::steady_clock::now();  // phase times, logged at debug level
    auto loaded = decode_config(m, path);
    if (!loaded) {
      // The supervisor validated this text; failing here means the two disagree (a bug), so
      // say so and keep what runs.
      report_applied(generation, "configuration rejected by worker: " +
                                     format_errors(loaded.error()));
      return;
    }
    const char* how = m.contains("reuse") ? "decoded from a delta in " : "decoded in ";
    const auto tree = m.find("tree");
    const size_t bytes =
        tree != m.end() && tree->is_string() ? tree->get_ref<const std::string&>().size() : 0;
    apply_loaded(generation, *loaded,
                 how + elapsed_ms(t0) + " ms (" + std::to_string(bytes) + " bytes)");
  }

  static std::string elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - since)
                              .count());
  }

  void apply_loaded(uint64_t generation, config::Config& config, const std::string& how) {
    const auto t1 = std::chrono::steady_clock::now();
    settle_capabilities(worker_capabilities(kind_, config), generation);
    const bool first = !configured_;
    const core::Status applied = first ? module_->configure(config) : module_->reconfigure(config);
    if (!applied) {
      report_applied(generation, applied.error().message());
      return;
    }
    if (core::log_enabled(core::LogLevel::kDebug))
      core::log_debug("worker " + kind_ + ": generation " + std::to_string(generation) + " " +
                      how + ", applied in " + elapsed_ms(t1) + " ms");
    configured_ = true;
    // Kept for the next reload's delta: the modules copied what they run.
    base_virtual_servers_ = std::move(config.virtual_servers);
    base_generation_ = generation;
    if (!runs_real_servers(kind_)) {
      // The others need a virtual server's name and services (the checks across items), not
      // the 40,000 real servers of a large file.
      for (auto& vs : base_virtual_servers_) std::vector<config::RealServer>().swap(vs.real_servers);
    }
    // The message and its parse leave megabytes of freed heap at 1,000 instances: give the
    // pages back once the message is gone (the next iteration), or they stay in our PSS.
    trim_ = loop_.defer([this] {
      spent_tree_ = config::Node();  // freed here, after the configuration took effect
      ::malloc_trim(0);
    });
    late_trims_.schedule(loop_);  // and after what the new configuration sets off
    if (first) {
      channel_.send({{"type", "ready"}, {"generation", generation}, {"base", true}});
    } else {
      report_applied(generation, "");
    }
  }

  // The supervisor sends the tree it parsed ("tree"), for a reload possibly a delta against
  // the virtual servers of the generation this worker applied last ("base", "reuse"); plain
  // YAML is still understood.
  config::LoadResult decode_config(const nlohmann::json& m, const std::string& path) {
    if (!m.contains("tree")) return load_config_text(json_string(m, "yaml"), path);
    std::vector<config::VirtualServer> none;
    const bool real_servers = runs_real_servers(kind_);
    if (!m.contains("reuse"))
      return load_config_tree(json_string(m, "tree"), path, {}, none, &spent_tree_, real_servers);
    auto reused = reused_from_json(m["reuse"]);
    if (!reused || json_u64(m, "base") != base_generation_ || base_generation_ == 0)
      return std::unexpected(std::vector<config::ConfigError>(
          1, {{path, 0, 0}, "a delta against generation " + std::to_string(json_u64(m, "base")) +
                                " that this worker does not hold"}));
    base_generation_ = 0;  // whatever happens, the base is used up (moved from)
    return load_config_tree(json_string(m, "tree"), path, *reused, base_virtual_servers_,
                            &spent_tree_, real_servers);
  }

  // Gives up what `need` does not hold. A capability already given up cannot come back: the
  // worker confirms the reload and exits, and the supervisor starts a new one with it.
  void settle_capabilities(core::CapabilitySet need, uint64_t generation) {
    if (held_ && *held_ == need) return;
    if (!held_) {
      auto caps = core::current_capabilities();
      if (!caps || caps->permitted.empty()) return;  // not privileged: nothing to give up
    } else if (!held_->contains(need)) {
      core::log_notice("worker " + kind_ + ": generation " + std::to_string(generation) +
                       " needs " + need.minus(*held_).to_string() +
                       ", given up at start; restarting the worker to apply it");
      report_applied(generation, "");
      channel_.flush_now();
      ::_exit(kExitRegainCapabilities);
    }
    if (auto narrowed = core::restrict_capabilities(need); !narrowed)
      core::log_warning("worker " + kind_ + ": " + narrowed.error().message() +
                        "; the other capability sets are narrowed");
    held_ = need;
    core::log_info("worker " + kind_ + ": capabilities " + need.to_string());
  }

  void report_applied(uint64_t generation, const std::string& error) {
    nlohmann::json reply = {{"type", "applied"}, {"generation", generation}, {"ok", error.empty()}};
    if (!error.empty()) {
      reply["error"] = error;
      spent_tree_ = config::Node();  // no deferred trim after a failure
    }
    // Whether the virtual servers of `generation` are here for the next delta.
    reply["base"] = error.empty() && base_generation_ == generation;
    channel_.send(reply);
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    module_->stop([this] {
      channel_.flush_now();
      loop_.exit(0);
    });
  }

  std::string kind_;
  core::EventLoop& loop_;
  IpcChannel channel_;
  ModuleFactory make_;
  std::unique_ptr<WorkerModule> module_;
  // No copy of the applied configuration is kept: each module compares a reload with what it
  // runs (kept, it was a second copy of every instance's settings, ~700 KB at 1,000 instances).
  // Only its virtual servers stay, as the base a reload's delta refers to: rebuilding the
  // 1,600 unchanged ones of a 2,000-service reload from the tree cost a second in the VM.
  bool configured_ = false;
  std::vector<config::VirtualServer> base_virtual_servers_;
  uint64_t base_generation_ = 0;
  config::Node spent_tree_;  // the last decoded tree, until the deferred trim frees it
  std::optional<core::CapabilitySet> held_;  // after the first configuration, when privileged
  core::Handle term_;
  core::Handle trim_;
  LateTrims late_trims_;
  bool stopping_ = false;
};

}  // namespace

int run_worker(const std::string& kind, int ipc_fd, ModuleFactory make,
               std::optional<HandedConfig> handed) {
  core::set_log_identity("hadirectord/" + kind);
  // If the supervisor dies without telling us, we go too rather than run unsupervised.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  signal(SIGPIPE, SIG_IGN);
  auto loop = core::EventLoop::create();
  if (!loop) {
    core::log_error("worker " + kind + ": " + loop.error().message());
    return 1;
  }
  Worker worker(kind, **loop, core::UniqueFd(ipc_fd), std::move(make));
  if (auto started = worker.start(); !started) {
    core::log_error("worker " + kind + ": " + started.error().message());
    return 1;
  }
  if (handed) {
    worker.apply_handed(handed->generation, handed->config);
    handed.reset();  // the modules copied what they run
  }
  auto code = (*loop)->run();
  return code ? *code : 1;
}

}  // namespace hadirector::daemon
