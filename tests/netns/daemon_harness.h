// Test harness that runs the real hadirectord in a private temporary directory: its own
// configuration, runtime dir and NOTIFY_SOCKET, stderr captured to a log file. Waits poll to a
// deadline; nothing sleeps a fixed time. The destructor kills what it started, by pid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hadirector::testing {

struct CommandResult {
  int exit_code = -1;  // -1: killed or timed out
  std::string out;
  std::string err;
};

// Runs argv to completion (bounded by timeout), capturing stdout and stderr.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

std::string binary_path(const std::string& name);  // build tree's hadirectord / hadirectorctl
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
bool process_exists(pid_t pid);
// Live processes whose parent is `parent`.
std::vector<pid_t> children_of(pid_t parent);

// Polls `pred` every few milliseconds until it is true or `timeout` passes.
// `poll` is the pause between tries.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(5),
                std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    struct timespec ts = {0, static_cast<long>(poll.count()) * 1'000'000};
    nanosleep(&ts, nullptr);
  }
}

class DaemonHarness {
 public:
  explicit DaemonHarness(const std::string& config_yaml);
  ~DaemonHarness();

  // Extra environment for the daemon (e.g. "WATCHDOG_USEC=400000").
  void add_env(const std::string& kv) { env_.push_back(kv); }
  // Starts the daemon inside the named network namespace (/var/run/netns/NAME), as
  // `ip netns exec` would. Must be called before start().
  void set_netns(const std::string& ns) { netns_ = ns; }
  // Without set_netns the daemon runs (as root) in a fresh, empty network namespace of its own;
  // tests whose checks must reach servers on the host's loopback turn that off.
  void set_private_network(bool on) { private_network_ = on; }
  // Can be called again after the daemon exited (or was killed and waited for).
  void start();
  // SIGKILLs the supervisor and its workers at once (a crashed director) and reaps it.
  void kill_all();
  pid_t pid() const { return pid_; }

  // Next notify datagram (e.g. "READY=1\nSTATUS=...") within timeout, if any.
  std::optional<std::string> next_notify(std::chrono::milliseconds timeout);
  // Waits for a notify datagram containing `needle` (skipping others).
  bool wait_notify(const std::string& needle,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Every datagram received so far (including those consumed by the waits).
  const std::vector<std::string>& notifications() const { return notes_; }

  CommandResult ctl(const std::vector<std::string>& args);
  nlohmann::json status();  // `hadirectorctl status --json`, parsed
  pid_t worker_pid(const std::string& name);
  int worker_restarts(const std::string& name);

  std::string log() const;  // the daemon's stderr so far
  bool wait_log(const std::string& needle,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  void write_config(const std::string& yaml);
  void signal(int signo);
  // Waits for the supervisor to exit; its exit code, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  const std::string& dir() const { return dir_; }
  std::string config_path() const { return dir_ + "/hadirector.yaml"; }
  std::string runtime_dir() const { return dir_ + "/run"; }
  std::string socket_path() const { return runtime_dir() + "/control.sock"; }

 private:
  std::string dir_;
  std::vector<std::string> env_;
  std::string netns_;
  bool private_network_ = true;
  int notify_fd_ = -1;
  pid_t pid_ = -1;
  bool exited_ = false;
  std::vector<std::string> notes_;
};

}  // namespace hadirector::testing
