#include "daemon/checker_drains.h"

#include <nlohmann/json.hpp>

#include "daemon/core/log.h"
#include "daemon/state_file.h"

namespace hadirector::daemon {

DrainStore::DrainStore(std::string path) : path_(std::move(path)) {
  auto file = read_json_file(path_);
  if (!file) return;  // no drains yet
  const nlohmann::json& doc = *file;
  const bool valid = doc.is_object() && doc.contains("drains") && doc["drains"].is_array();
  if (!valid) {
    core::log_warning("drains file " + path_ + " is not valid JSON; starting with no drains",
                      {{"HADIRECTOR_EVENT", "drains-corrupt"}});
    return;
  }
  for (const auto& d : doc["drains"]) {
    if (!d.is_object() || !d.contains("virtual_server") || !d.contains("real_server") ||
        !d["virtual_server"].is_string() || !d["real_server"].is_string()) {
      core::log_warning("drains file " + path_ + ": skipping a malformed entry");
      continue;
    }
    drains_.emplace(d["virtual_server"].get<std::string>(), d["real_server"].get<std::string>());
  }
}

bool DrainStore::drained(const std::string& virtual_server, const std::string& real_server) const {
  return drains_.contains({virtual_server, real_server});
}

core::Status DrainStore::set(const std::string& virtual_server, const std::string& real_server,
                             bool on) {
  if (on) {
    drains_.emplace(virtual_server, real_server);
  } else {
    drains_.erase({virtual_server, real_server});
  }
  return save();
}

core::Status DrainStore::save() const {
  if (path_.empty()) return {};
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [vs, rs] : drains_)
    list.push_back({{"virtual_server", vs}, {"real_server", rs}});
  const std::string text = nlohmann::json{{"drains", list}}.dump(2) + "\n";
  return write_file_atomically(path_, text);
}

}  // namespace hadirector::daemon
