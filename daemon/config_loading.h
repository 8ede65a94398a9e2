// How the daemon loads configuration: the config module's loader plus the validators that live
// in other modules (each checker type checks its own keys). Supervisor, workers and
// --check-config all load through here so they agree on what is valid.
#pragma once

#include <string>

#include "daemon/config/config.h"
#include "daemon/config/loader.h"

namespace hadirector::daemon {

config::LoadOptions daemon_load_options();

config::LoadResult load_config_file(const std::string& path);
config::LoadResult load_config_text(const std::string& text, const std::string& path);

// Every error, one "FILE:LINE:COL: message" per line.
std::string format_errors(const std::vector<config::ConfigError>& errors);

}  // namespace hadirector::daemon
