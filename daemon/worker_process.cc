#include "daemon/worker_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
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

// main()'s argv strings, contiguous: a forked worker's command line is written over them.
char* command_line = nullptr;
size_t command_line_size = 0;

// libsystemd's journal socket (sd_journal_send keeps it open once used): a forked worker keeps
// it, for closing it under libsystemd would make its next message go to whatever fd reuses it.
// libsystemd sends to /run/systemd/journal/socket by address, so the socket is an unnamed,
// unconnected datagram socket (a connected one to that path is accepted too).
bool is_journal_socket(int fd) {
  int type = 0;
  socklen_t type_len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_DGRAM)
    return false;
  sockaddr_un self{};
  socklen_t len = sizeof self;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &len) != 0 ||
      self.sun_family != AF_UNIX || len > offsetof(sockaddr_un, sun_path))
    return false;  // not unix, or bound to a name: not libsystemd's
  sockaddr_un peer{};
  len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return errno == ENOTCONN;
  return std::strcmp(peer.sun_path, "/run/systemd/journal/socket") == 0;
}

// Closes every inherited fd but stdio, `keep` and the journal's: the control socket, the other
// workers' channels, the supervisor's signalfd, epoll and netlink sockets are not the worker's.
void close_inherited_fds(int keep) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) {
    ::close_range(3, static_cast<unsigned>(keep) - 1, 0);  // keep > 2: socketpair's fd
    ::close_range(static_cast<unsigned>(keep) + 1, ~0U, 0);
    return;
  }
  std::vector<int> doomed;
  const int own = ::dirfd(dir);
  while (dirent* e = ::readdir(dir)) {
    const int fd = std::atoi(e->d_name);
    if (fd > 2 && fd != keep && fd != own && !is_journal_socket(fd)) doomed.push_back(fd);
  }
  ::closedir(dir);
  for (int fd : doomed) ::close(fd);
}

void set_command_line(const std::string& name, const std::vector<std::string>& argv) {
  ::prctl(PR_SET_NAME, ("hd-" + name).c_str());  // comm (top, ps -o comm): "hd-vrrp"
  if (!command_line) return;
  std::memset(command_line, 0, command_line_size);
  size_t at = 0;
  for (const auto& a : argv) {
    if (at + a.size() + 1 > command_line_size) break;  // whole words only
    std::memcpy(command_line + at, a.data(), a.size());
    at += a.size() + 1;
  }
}

// In the child of fork, without exec. The supervisor is single-threaded, so the child may
// allocate; it must never touch the supervisor's objects (its event loop, channels, workers),
// whose fds it closes and whose memory it leaves as it is, shared until written.
[[noreturn]] void run_forked(int fd, const std::string& name,
                             const std::vector<std::string>& argv,
                             const WorkerProcess::ForkedMain& main) {
  for (int signo = 1; signo < NSIG; ++signo) ::signal(signo, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  close_inherited_fds(fd);
  set_command_line(name, argv);
  const int code = main(fd);
  std::fflush(nullptr);
  ::_exit(code);  // no destructor of the supervisor's statics runs here
}

}  // namespace

void WorkerProcess::remember_command_line(int argc, char** argv) {
  if (argc < 1) return;
  char* end = argv[0] + std::strlen(argv[0]) + 1;
  for (int i = 1; i < argc && argv[i] == end; ++i) end = argv[i] + std::strlen(argv[i]) + 1;
  command_line = argv[0];
  command_line_size = static_cast<size_t>(end - argv[0]);
}

WorkerProcess::WorkerProcess(core::EventLoop& loop, std::string name,
                             std::vector<std::string> argv, Hooks hooks, ForkedMain main)
    : loop_(loop),
      name_(std::move(name)),
      argv_(std::move(argv)),
      forked_main_(std::move(main)),
      hooks_(std::move(hooks)) {}

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
  std::fflush(nullptr);  // or the child writes our buffered output a second time
  pid_t pid = ::fork();
  if (pid < 0) return core::fail_errno(errno, "fork worker " + name_);
  if (pid == 0) {
    if (forked_main_) run_forked(theirs.get(), name_, argv_, forked_main_);
    exec_worker(theirs.get(), executable_, argv_);
  }

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
  // Its last messages (a reload's "applied" before it exits to regain capabilities) may still
  // wait in the socket when the exit is dispatched first, as on a loaded host.
  if (channel_) channel_->drain();
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
