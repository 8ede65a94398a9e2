#include "daemon/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "daemon/core/log.h"
#include "daemon/json_fields.h"

namespace hadirector::daemon {
namespace {

// In the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_worker(int fd, const std::string& executable,
                              const std::vector<std::string>& argv) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (fd != 3) {
    dup2(fd, 3);
  } else {
    fcntl(3, F_SETFD, 0);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(executable.c_str(), args.data());
  _exit(127);
}

}  // namespace

WorkerProcess::WorkerProcess(core::EventLoop& loop, std::string name,
                             std::vector<std::string> argv, Hooks hooks, std::string executable)
    : loop_(loop),
      name_(std::move(name)),
      argv_(std::move(argv)),
      executable_(std::move(executable)),
      hooks_(std::move(hooks)) {}

WorkerProcess::~WorkerProcess() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

core::Status WorkerProcess::spawn() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
    return core::fail_errno(errno, "socketpair for worker " + name_);
  core::UniqueFd ours(sv[0]), theirs(sv[1]);
  // The worker reads blocking-free through its own loop but starts from a clean flag set.
  fcntl(theirs.get(), F_SETFL, fcntl(theirs.get(), F_GETFL) & ~O_NONBLOCK);
  pid_t pid = ::fork();
  if (pid < 0) return core::fail_errno(errno, "fork worker " + name_);
  if (pid == 0) exec_worker(theirs.get(), executable_, argv_);

  pid_ = pid;
  ready_ = false;
  started_at_ = loop_.now();
  last_pong_ = started_at_;
  theirs.reset();
  channel_ = std::make_unique<IpcChannel>(loop_, std::move(ours));
  auto started = channel_->start(
      [this](nlohmann::json& m) {
        if (json_string(m, "type") == "pong") {
          last_pong_ = loop_.now();
          return;
        }
        hooks_.on_message(*this, m);
      },
      [this](const std::string& why) {
        core::log_debug("worker " + name_ + ": channel closed: " + why);
      });
  if (!started) return started;
  auto watch = loop_.watch_child(pid, [this](const siginfo_t& info) { on_exit(info); });
  if (!watch) return std::unexpected(watch.error());
  child_watch_ = std::move(*watch);
  core::log_info("worker " + name_ + " started (pid " + std::to_string(pid) + ")");
  hooks_.on_started(*this);
  return {};
}

bool WorkerProcess::send(const nlohmann::json& message) {
  return channel_ && channel_->send(message);
}

void WorkerProcess::send_ping() {
  if (running()) send({{"type", "ping"}, {"seq", ++ping_seq_}});
}

core::Duration WorkerProcess::since_last_pong() const { return loop_.now() - last_pong_; }

bool WorkerProcess::responsive(core::Duration window) const {
  if (!running()) return !stopping_;
  return since_last_pong() <= window;
}

void WorkerProcess::on_exit(const siginfo_t& info) {
  std::string how = info.si_code == CLD_EXITED
                        ? "exited with status " + std::to_string(info.si_status)
                        : std::string("killed by signal ") + sigabbrev_np(info.si_status);
  auto uptime = loop_.now() - started_at_;
  pid_ = -1;
  ready_ = false;
  channel_.reset();
  child_watch_ = core::Handle();
  if (stopping_) {
    kill_timer_.cancel();
    core::log_info("worker " + name_ + " stopped (" + how + ")");
    if (auto done = std::exchange(stopped_, nullptr)) done();
    return;
  }
  auto delay = backoff_.on_exit(uptime);
  core::log_error("worker " + name_ + " " + how + "; restarting in " +
                  std::to_string(delay.count()) + " ms");
  hooks_.on_died(*this);
  restart_timer_ = loop_.schedule_after(delay, [this] { schedule_restart(); });
}

void WorkerProcess::schedule_restart() {
  ++restarts_;
  if (auto spawned = spawn(); !spawned) {
    auto delay = backoff_.on_exit(core::Duration::zero());
    core::log_error("worker " + name_ + ": restart failed: " + spawned.error().message() +
                    "; trying again in " + std::to_string(delay.count()) + " ms");
    restart_timer_ = loop_.schedule_after(delay, [this] { schedule_restart(); });
  }
}

void WorkerProcess::stop(core::Duration grace, std::function<void()> done) {
  stopping_ = true;
  restart_timer_.cancel();
  if (!running()) {
    done();
    return;
  }
  stopped_ = std::move(done);
  send({{"type", "stop"}});
  kill_timer_ = loop_.schedule_after(grace, [this] {
    core::log_warning("worker " + name_ + " did not stop in time; killing it");
    if (pid_ > 0) ::kill(pid_, SIGKILL);
  });
}

}  // namespace hadirector::daemon
