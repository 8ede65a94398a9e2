// Operator demotions (`hadirectorctl demote INSTANCE`), kept in <state_dir>/demotions.json so
// a demoted instance stays demoted across a reload, a VRRP-worker restart and a daemon restart
// until `restore`. Same file discipline as the drains (daemon/state_file.h): a missing file
// means nothing is demoted, a corrupt one is logged and treated as empty.
#pragma once

#include <set>
#include <string>

#include "daemon/core/result.h"

namespace hadirector::daemon {

class DemotionStore {
 public:
  DemotionStore() = default;
  explicit DemotionStore(std::string path);

  bool demoted(const std::string& instance) const { return names_.contains(instance); }
  // Changes the set and writes the file; the set changes even when the write fails.
  core::Status set(const std::string& instance, bool on);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::set<std::string> names_;
};

}  // namespace hadirector::daemon
