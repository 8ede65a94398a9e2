// The modules hadirectord itself hosts (vrrp, checker). The snmp worker is hadirectord-snmp
// (snmp_main.cc), so that only it loads net-snmp.
#pragma once

#include <memory>
#include <string>

#include "daemon/worker_module.h"

namespace hadirector::daemon {

// nullptr for an unknown kind.
std::unique_ptr<WorkerModule> make_worker_module(const std::string& kind, WorkerContext ctx);

}  // namespace hadirector::daemon
