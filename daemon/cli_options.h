// hadirectord's command line, parsed without side effects so every error message is testable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/core/result.h"

namespace hadirector::daemon {

struct CliOptions {
  std::string config_path = "/etc/hadirector/hadirector.yaml";
  std::string runtime_dir = "/run/hadirector";
  std::string log_level = "info";
  bool check_config = false;
  bool dump_config = false;
  bool help = false;
  bool version = false;
  // Internal: set when the supervisor starts us as a worker.
  std::optional<std::string> worker;
  int ipc_fd = -1;
};

core::Result<CliOptions> parse_cli(const std::vector<std::string>& args);

extern const char kUsage[];

}  // namespace hadirector::daemon
