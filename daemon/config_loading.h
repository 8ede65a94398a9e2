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
// With `tree`, a valid configuration's parsed tree is also written there, encoded
// (config/node_codec.h): the supervisor parses the YAML once and sends the workers that tree.
config::LoadResult load_config_text(const std::string& text, const std::string& path,
                                    std::string* tree = nullptr);
// The same checks over an encoded tree, without yaml-cpp (workers).
config::LoadResult load_config_tree(const std::string& tree, const std::string& path);

// Every error, one "FILE:LINE:COL: message" per line.
std::string format_errors(const std::vector<config::ConfigError>& errors);

}  // namespace hadirector::daemon
