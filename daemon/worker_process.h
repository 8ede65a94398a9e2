// The supervisor's view of one worker process: spawning it (a fork running the worker's body,
// or fork + exec of another program), its IPC channel, heartbeats, and restarting it with
// backoff when it dies. What the messages mean is the supervisor's business, not this class's.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/core/event_loop.h"
#include "daemon/ipc_channel.h"
#include "daemon/restart_backoff.h"

namespace hadirector::daemon {

class WorkerProcess {
 public:
  struct Hooks {
    // A message from the worker (pongs are handled here and not passed on); the hook may move
    // parts out of it.
    std::function<void(WorkerProcess&, nlohmann::json&)> on_message;
    // The worker process (re)started and needs its configuration.
    std::function<void(WorkerProcess&)> on_started;
    // The worker died (not during stop()); a restart is scheduled.
    std::function<void(WorkerProcess&)> on_died;
  };

  // The body of a forked worker: runs in the child with the IPC channel's fd, returns its exit
  // code. The child shares the supervisor's relocated libraries and heap copy-on-write, so
  // each costs PSS once, not once per process (an exec'd worker relocates its own copies).
  using ForkedMain = std::function<int(int ipc_fd)>;

  // A worker forked from this process: `argv` becomes its command line (as ps shows it).
  WorkerProcess(core::EventLoop& loop, std::string name, std::vector<std::string> argv, Hooks hooks,
                ForkedMain main);
  // A worker that runs `executable` with `argv` (--ipc-fd 3 is where its channel is).
  WorkerProcess(core::EventLoop& loop, std::string name, std::vector<std::string> argv, Hooks hooks,
                std::string executable);
  ~WorkerProcess();

  // Where main()'s argv strings lie, so a forked worker can write its own command line there.
  static void remember_command_line(int argc, char** argv);

  core::Status spawn();
  bool send(const nlohmann::json& message);

  // Asks the worker to stop, waits up to `grace`, then SIGKILLs it; done() when it is gone.
  void stop(core::Duration grace, std::function<void()> done);

  void send_ping();
  // True when the worker answered a ping within `window`, or is not running because it is
  // waiting to be restarted (a dead worker is handled by restarting, not by the watchdog).
  bool responsive(core::Duration window) const;

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  int restarts() const { return restarts_; }
  bool running() const { return pid_ > 0; }
  // Forked from this process without exec (it shares this process's memory at the fork).
  bool forked() const { return static_cast<bool>(forked_main_); }
  bool ready() const { return ready_; }
  // stop() was called: it will not be restarted.
  bool stopping() const { return stopping_; }
  void set_ready(bool ready) { ready_ = ready; }
  core::TimePoint started_at() const { return started_at_; }
  core::Duration since_last_pong() const;

 private:
  void on_exit(const siginfo_t& info);
  void schedule_restart();

  core::EventLoop& loop_;
  std::string name_;
  std::vector<std::string> argv_;
  std::string executable_;
  ForkedMain forked_main_;
  Hooks hooks_;
  RestartBackoff backoff_;
  std::unique_ptr<IpcChannel> channel_;
  core::Handle child_watch_;
  core::Handle restart_timer_;
  core::Handle kill_timer_;
  pid_t pid_ = -1;
  int restarts_ = 0;
  bool ready_ = false;
  bool stopping_ = false;
  std::function<void()> stopped_;
  core::TimePoint started_at_{};
  core::TimePoint last_pong_{};
  uint64_t ping_seq_ = 0;
};

}  // namespace hadirector::daemon
