// The body of a worker process (`hadirectord --worker KIND --ipc-fd N`, started by the
// supervisor): one event loop, the channel to the supervisor, and the module for KIND. A worker
// started as root gives up, with its first configuration, every capability that configuration
// does not need (worker_capabilities); a reload that needs one back restarts the worker.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/config/config.h"
#include "daemon/core/capabilities.h"
#include "daemon/worker_module.h"

namespace hadirector::daemon {

// Exit code of a worker that gave up a capability the new configuration needs: the supervisor
// restarts it (as after a crash: VIPs stay, the VRRP worker resumes) with that configuration.
inline constexpr int kExitRegainCapabilities = 75;

// What a worker of `kind` ("vrrp", "checker") needs to run `config`; scripts and exec checks it
// runs as root get no more than this (the bounding set). vrrp: NET_ADMIN (addresses, links,
// sysctls), NET_RAW (VRRP, GARP/NA sockets), SYS_NICE + IPC_LOCK with `realtime`. checker:
// NET_ADMIN (IPVS, sync daemons), NET_RAW with an icmp check. Either: SETUID, SETGID and KILL
// (to stop a timed-out child of another uid) when it runs a script or exec check as a user.
core::CapabilitySet worker_capabilities(const std::string& kind, const config::Config& config);

// Only the checker runs real servers: the others keep none and read none from a configuration
// (config::LoadOptions::keep_real_servers), and the supervisor sends them reload deltas
// without them (config::cut_real_servers).
inline bool runs_real_servers(const std::string& kind) { return kind == "checker"; }

// Builds the module a worker of `kind` hosts; nullptr for a kind this executable lacks.
using ModuleFactory =
    std::function<std::unique_ptr<WorkerModule>(const std::string& kind, WorkerContext ctx)>;

// A first configuration a forked worker takes from the supervisor's parse in its memory.
struct HandedConfig {
  uint64_t generation = 0;
  config::Config config;
};

// Returns the process exit code. Without `make`, the modules hadirectord itself holds (vrrp,
// checker: make_worker_module); hadirectord-snmp passes its own. With `handed`, the worker
// applies that configuration at once and the supervisor sends none over the channel.
int run_worker(const std::string& kind, int ipc_fd, ModuleFactory make = {},
               std::optional<HandedConfig> handed = std::nullopt);

}  // namespace hadirector::daemon
