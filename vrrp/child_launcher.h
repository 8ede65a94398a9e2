// How VRRP glue starts a child process (track scripts, notify scripts): core::ChildRunner::run
// in production, a fake in component tests that run on a ManualScheduler.
#pragma once

#include <functional>

#include "daemon/core/child_process.h"

namespace hadirector::vrrp {

using ChildLauncher = std::function<core::Result<core::Handle>(
    const core::ChildSpec& spec, std::function<void(const core::ChildResult&)> done)>;

}  // namespace hadirector::vrrp
