// Tracked files: reads an integer from each file and publishes it in NamedStates<long>,
// re-reading it whenever inotify reports a change in its directory (so files written in place,
// replaced by rename, created or deleted are all seen). An unreadable or non-numeric file is
// published as absent (weight 0). Runs on the EventLoop; reading a small file does not block.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/event_loop.h"
#include "daemon/core/unique_fd.h"
#include "vrrp/named_states.h"

namespace hadirector::vrrp {

// The integer in `text` (surrounding whitespace allowed), or nullopt.
std::optional<long> parse_tracked_value(std::string_view text);

class FileMonitor {
 public:
  static core::Result<std::unique_ptr<FileMonitor>> create(core::EventLoop& loop,
                                                           NamedStates<long>& out);
  // Watches exactly these paths from now on (reads each once now).
  void set_paths(const std::vector<std::string>& paths);

 private:
  FileMonitor(core::UniqueFd fd, NamedStates<long>& out) : fd_(std::move(fd)), out_(out) {}
  void on_readable();
  void read(const std::string& path);

  core::UniqueFd fd_;
  NamedStates<long>& out_;
  core::Handle watch_;
  std::map<int, std::string> dirs_;  // inotify watch descriptor -> directory
  std::vector<std::string> paths_;
};

}  // namespace hadirector::vrrp
