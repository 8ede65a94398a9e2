// The body of a worker process (`hadirectord --worker KIND --ipc-fd N`, started by the
// supervisor): one event loop, the channel to the supervisor, and the module for KIND.
#pragma once

#include <string>

namespace hadirector::daemon {

// Returns the process exit code.
int run_worker(const std::string& kind, int ipc_fd);

}  // namespace hadirector::daemon
