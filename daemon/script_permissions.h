// Refuses, at configuration load, scripts and exec checks that would run as root from a file
// someone other than root could change: the program (after symlinks) and every directory above
// it must belong to root and not be writable by group or other. A root-owned sticky directory
// (/tmp) passes, since others cannot replace a file in it. Programs that do not exist (yet) are
// not judged here: running them fails and is reported then.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.h"

namespace hadirector::daemon {

// Why running `program` as root is unsafe ("/opt/x.sh is writable by group or other (mode
// 0775)"), or nullopt. A name without '/' is looked up in PATH.
std::optional<std::string> unsafe_for_root(const std::string& program);

// One error per VRRP script, notify command and exec check that runs as root from an unsafe
// file, at the mark of its block.
std::vector<config::ConfigError> check_root_scripts(const config::Config& config);

}  // namespace hadirector::daemon
