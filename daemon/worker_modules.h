// The module each worker kind hosts. The one place that knows which kinds exist.
#pragma once

#include <memory>
#include <string>

#include "daemon/worker_module.h"

namespace hadirector::daemon {

// nullptr for an unknown kind.
std::unique_ptr<WorkerModule> make_worker_module(const std::string& kind, WorkerContext ctx);

}  // namespace hadirector::daemon
