// Runs a program as a child process on the event loop, for VRRP track/notify scripts and exec
// health checks: argv directly (no shell), own process group, stdin from /dev/null, output
// captured through a pipe, a hard timeout (SIGTERM, then SIGKILL), optionally as another user.
// It never blocks the loop and never waits for grandchildren that keep the output pipe open.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/event_loop.h"
#include "daemon/core/handle.h"
#include "daemon/core/result.h"
#include "daemon/core/scheduler.h"

namespace hadirector::core {

struct ChildSpec {
  // argv[0] is an absolute path, or a name looked up in PATH.
  std::vector<std::string> argv;
  // Run as this user (supplementary groups, primary group, uid) when set.
  std::optional<std::string> user;
  // Extra KEY=VALUE entries, overriding the daemon's environment.
  std::vector<std::string> env;
  Duration timeout = std::chrono::seconds(10);
  // After the timeout the group gets SIGTERM, and SIGKILL this much later.
  Duration kill_grace = std::chrono::seconds(1);
  // When false the child shares the daemon's stdout and stderr.
  bool capture_output = true;
  size_t max_output = 64 * 1024;
};

struct ChildResult {
  enum class Outcome { kExited, kSignaled, kTimedOut, kSpawnFailed };
  Outcome outcome = Outcome::kSpawnFailed;
  int exit_code = -1;  // kExited (and kTimedOut if the child still exited normally)
  int signal = 0;      // kSignaled (and kTimedOut: the signal that ended it)
  std::string output;  // stdout and stderr interleaved, at most max_output bytes
  bool output_truncated = false;
  std::string error;  // kSpawnFailed, kTimedOut, kSignaled: what went wrong, for the log
  Duration elapsed{};

  bool succeeded() const { return outcome == Outcome::kExited && exit_code == 0; }
};

class ChildRunner {
 public:
  explicit ChildRunner(EventLoop& loop) : loop_(loop) {}

  // Starts the child and returns at once; done() is called once, from the loop, when the
  // child has exited (or could not be started: kSpawnFailed). Destroying the handle first
  // kills the child's process group with SIGKILL and done() is never called; the loop still
  // reaps the child. Fails only when argv is empty or the loop refuses a registration.
  [[nodiscard]] Result<Handle> run(const ChildSpec& spec,
                                   std::function<void(const ChildResult&)> done);

 private:
  EventLoop& loop_;
};

}  // namespace hadirector::core
