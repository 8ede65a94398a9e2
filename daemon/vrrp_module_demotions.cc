#include "daemon/vrrp_module_demotions.h"

#include <nlohmann/json.hpp>

#include "daemon/core/log.h"
#include "daemon/state_file.h"

namespace hadirector::daemon {

DemotionStore::DemotionStore(std::string path) : path_(std::move(path)) {
  auto doc = read_json_file(path_);
  if (!doc) return;  // nothing demoted yet
  auto list = doc->is_object() ? doc->find("demoted") : doc->end();
  if (!doc->is_object() || list == doc->end() || !list->is_array()) {
    core::log_warning("demotions file " + path_ + " is not valid; starting with none demoted",
                      {{"HADIRECTOR_EVENT", "demotions-corrupt"}});
    return;
  }
  for (const auto& name : *list) {
    if (name.is_string()) {
      names_.insert(name.get<std::string>());
    } else {
      core::log_warning("demotions file " + path_ + ": skipping a malformed entry");
    }
  }
}

core::Status DemotionStore::set(const std::string& instance, bool on) {
  if (on) {
    names_.insert(instance);
  } else {
    names_.erase(instance);
  }
  if (path_.empty()) return {};
  nlohmann::json doc = {{"demoted", names_}};
  return write_file_atomically(path_, doc.dump(2) + "\n");
}

}  // namespace hadirector::daemon
