#include "daemon/worker_main.h"

#include <sys/prctl.h>

#include <csignal>
#include <memory>
#include <optional>

#include "daemon/config_loading.h"
#include "daemon/core/log.h"
#include "daemon/json_fields.h"
#include "daemon/ipc_channel.h"
#include "daemon/worker_modules.h"

namespace hadirector::daemon {
namespace {

class Worker {
 public:
  Worker(std::string kind, core::EventLoop& loop, core::UniqueFd fd)
      : kind_(std::move(kind)), loop_(loop), channel_(loop, std::move(fd)) {}

  core::Status start() {
    WorkerContext ctx{
        loop_,
        [this](nlohmann::json event) {
          channel_.send({{"type", "event"}, {"event", std::move(event)}});
        },
        [this](const std::string& to, nlohmann::json payload) {
          channel_.send({{"type", "relay"}, {"to", to}, {"payload", std::move(payload)}});
        }};
    module_ = make_worker_module(kind_, ctx);
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
    auto loaded = load_config_text(json_string(m, "yaml"), json_string(m, "path", "config"));
    if (!loaded) {
      // The supervisor validated this text; failing here means the two disagree (a bug), so
      // say so and keep what runs.
      report_applied(generation, "configuration rejected by worker: " +
                                     format_errors(loaded.error()));
      return;
    }
    core::Status applied;
    if (!config_) {
      applied = module_->configure(*loaded);
    } else {
      applied = module_->reconfigure(*config_, *loaded, config::diff(*config_, *loaded));
    }
    if (!applied) {
      report_applied(generation, applied.error().message());
      return;
    }
    bool first = !config_;
    config_ = std::move(*loaded);
    if (first) {
      channel_.send({{"type", "ready"}, {"generation", generation}});
    } else {
      report_applied(generation, "");
    }
  }

  void report_applied(uint64_t generation, const std::string& error) {
    nlohmann::json reply = {{"type", "applied"}, {"generation", generation}, {"ok", error.empty()}};
    if (!error.empty()) reply["error"] = error;
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
  std::unique_ptr<WorkerModule> module_;
  std::optional<config::Config> config_;
  core::Handle term_;
  bool stopping_ = false;
};

}  // namespace

int run_worker(const std::string& kind, int ipc_fd) {
  core::set_log_identity("hadirectord/" + kind);
  // If the supervisor dies without telling us, we go too rather than run unsupervised.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  signal(SIGPIPE, SIG_IGN);
  auto loop = core::EventLoop::create();
  if (!loop) {
    core::log_error("worker " + kind + ": " + loop.error().message());
    return 1;
  }
  Worker worker(kind, **loop, core::UniqueFd(ipc_fd));
  if (auto started = worker.start(); !started) {
    core::log_error("worker " + kind + ": " + started.error().message());
    return 1;
  }
  auto code = (*loop)->run();
  return code ? *code : 1;
}

}  // namespace hadirector::daemon
