// The fork/exec half of ChildRunner: everything that can be decided in the parent (program
// path, user and groups, environment) is decided before fork, so the child only makes
// async-signal-safe calls. Not for direct use outside daemon/core; ChildRunner is the API.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "daemon/core/child_process.h"
#include "daemon/core/result.h"
#include "daemon/core/unique_fd.h"

namespace hadirector::core {

struct SpawnPlan {
  std::string path;               // what execve gets
  std::vector<std::string> argv;  // as given
  std::vector<std::string> env;   // the daemon's environment with spec.env applied
  struct Credentials {
    uid_t uid;
    gid_t gid;
    std::vector<gid_t> groups;
  };
  std::optional<Credentials> credentials;
  bool capture_output = true;
};

// Resolves argv[0] through PATH, the user through NSS and the environment. Its errors are
// spawn failures to report to the caller ("unknown user X", "... not found in PATH").
Result<SpawnPlan> plan_spawn(const ChildSpec& spec);

// Looks `name` up in a PATH-style list; names with a '/' are returned unchanged.
Result<std::string> find_executable(const std::string& name, const std::string& path_list);

// Environment entries `base` with each KEY=VALUE of `extra` replacing the same KEY or added.
std::vector<std::string> merge_environment(const std::vector<std::string>& base,
                                           const std::vector<std::string>& extra);

struct SpawnedChild {
  pid_t pid = -1;
  UniqueFd output;  // read end, non-blocking; invalid unless capturing
  UniqueFd status;  // read end, non-blocking: holds a report only if the child failed to exec
};

// Forks the child into its own process group and execs the plan. Fails only if the fork or a
// pipe cannot be made; a failed exec shows later through read_spawn_failure.
Result<SpawnedChild> spawn(const SpawnPlan& plan);

// After the child has exited: the reason it never ran the program, or nullopt if it did.
std::optional<std::string> read_spawn_failure(int status_fd, const SpawnPlan& plan);

}  // namespace hadirector::core
