// Operator drains (`hadirectorctl drain VS RS`), kept in <state_dir>/drains.json so they survive
// a reload, a checker-worker restart and a daemon restart. Written atomically (temp file +
// rename). A missing file means no drains; a corrupt one is logged and treated as empty.
#pragma once

#include <set>
#include <string>
#include <utility>

#include "daemon/core/result.h"

namespace hadirector::daemon {

class DrainStore {
 public:
  DrainStore() = default;
  // Reads `path` (tolerating a missing or corrupt file, with a logged warning for the latter).
  explicit DrainStore(std::string path);

  bool drained(const std::string& virtual_server, const std::string& real_server) const;
  // Changes the set and writes the file; the set changes even when the write fails.
  core::Status set(const std::string& virtual_server, const std::string& real_server, bool on);

  const std::string& path() const { return path_; }
  size_t size() const { return drains_.size(); }

 private:
  core::Status save() const;

  std::string path_;
  std::set<std::pair<std::string, std::string>> drains_;
};

}  // namespace hadirector::daemon
