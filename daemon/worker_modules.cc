#include "daemon/worker_modules.h"

#include "daemon/checker_module.h"
#include "daemon/vrrp_module.h"

namespace hadirector::daemon {

std::unique_ptr<WorkerModule> make_worker_module(const std::string& kind, WorkerContext ctx) {
  if (kind == "vrrp") return std::make_unique<VrrpModule>(ctx);
  if (kind == "checker") return std::make_unique<CheckerModule>(ctx);
  return nullptr;
}

}  // namespace hadirector::daemon
