// How the daemon loads configuration: the config module's loader plus the validators that live
// in other modules (each checker type checks its own keys). Supervisor, workers and
// --check-config all load through here so they agree on what is valid.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/config/config.h"
#include "daemon/config/loader.h"
#include "daemon/config/reload_parser.h"

namespace hadirector::daemon {

config::LoadOptions daemon_load_options();

config::LoadResult load_config_file(const std::string& path);
// With `tree`, a valid configuration's parsed tree is also written there, encoded
// (config/node_codec.h): the supervisor parses the YAML once and sends the workers that tree.
config::LoadResult load_config_text(const std::string& text, const std::string& path,
                                    std::string* tree = nullptr);
// The same checks over an encoded tree, without yaml-cpp (workers).
config::LoadResult load_config_tree(const std::string& tree, const std::string& path);

// A reload's parse in the supervisor: only the virtual servers whose text changed since what
// `parser` remembers are read (reload_parser.h), or the whole file when that cannot be done.
// A valid configuration's tree for the workers goes to `tree`: with the unchanged virtual
// servers as stubs that `reused` maps to `previous` (the running ones), or, `reused` empty, whole.
config::LoadResult load_config_reload(const std::string& text, const std::string& path,
                                      const config::ReloadParser& parser,
                                      const std::vector<config::VirtualServer>& previous,
                                      std::string& tree, std::vector<config::ReusedRun>& reused,
                                      config::Node* stub_tree = nullptr);
// With `stub_tree`, a delta's tree is also moved there (not freed here): the supervisor cuts
// the one for workers reading no real servers from it (config::cut_real_servers).
// A worker's side of it: the stub tree rebuilt with its own copy of the previous virtual
// servers, moved out of `previous` (incomplete afterwards, whatever the outcome). With
// `spent`, the decoded tree is left there instead of freed: at 40,000 real servers freeing it
// costs as much as the schema pass, which a worker can pay once the configuration runs.
// `keep_real_servers` false: for a worker running none (LoadOptions::keep_real_servers).
config::LoadResult load_config_tree(const std::string& tree, const std::string& path,
                                    const std::vector<config::ReusedRun>& reused,
                                    std::vector<config::VirtualServer>& previous,
                                    config::Node* spent = nullptr, bool keep_real_servers = true);

// The runs of a delta in the config message to a worker: [[index, previous, count, shift]...].
nlohmann::json reused_to_json(const std::vector<config::ReusedRun>& runs);
// What the supervisor sent, or nullopt if it is not that shape (the worker then refuses it).
std::optional<std::vector<config::ReusedRun>> reused_from_json(const nlohmann::json& runs);

// Every error, one "FILE:LINE:COL: message" per line.
std::string format_errors(const std::vector<config::ConfigError>& errors);

}  // namespace hadirector::daemon
