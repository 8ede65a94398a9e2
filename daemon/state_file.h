// Small JSON files under the state directory (operator drains, VRRP demotions) that must
// survive a reload and a restart: written atomically (temp file, fsync, rename) so a crash
// leaves the old or the new content, never half of it; read back tolerating absence.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "daemon/core/result.h"

namespace hadirector::daemon {

// Writes `text` to `path` atomically, creating the parent directory (one level) if missing.
core::Status write_file_atomically(const std::string& path, const std::string& text);

// The JSON document in `path`; nullopt when the file does not exist, a discarded value
// (is_discarded()) when it exists but does not parse.
std::optional<nlohmann::json> read_json_file(const std::string& path);

}  // namespace hadirector::daemon
