// `type: exec`: runs `command` (argv, no shell) through core::ChildRunner, optionally as `user`
// with extra `env`, plus HADIRECTOR_RS_ADDRESS and HADIRECTOR_RS_PORT naming the real server.
// Exit codes follow the monitoring-plugins convention: 0 up; 1 down ("exec-down"), 2 critical
// ("exec-critical"), 3 unknown ("exec-unknown"), others "exec-exit-N". The first line of
// output is the detail. The CheckRunner's timeout cancels (and kills) an overrunning command.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "daemon/core/child_process.h"

namespace hadirector::checkers::exec {

struct ExecParams {
  std::vector<std::string> command;
  std::optional<std::string> user;
  std::map<std::string, std::string> env;
};

ExecParams parse_exec_params(const config::Node& params, std::vector<config::ConfigError>& errors);

// The verdict on a finished command (the part of the probe that needs no process).
ProbeResult interpret_exec_result(const core::ChildResult& result);

}  // namespace hadirector::checkers::exec

namespace hadirector::checkers {

class ExecCheckerFactory final : public CheckerFactory {
 public:
  std::string type() const override { return "exec"; }
  std::vector<config::ConfigError> validate(const config::Node& params) const override;
  core::Result<std::unique_ptr<Checker>> create(const CheckTarget& target,
                                                const config::Node& params,
                                                CheckContext& context) const override;
};

}  // namespace hadirector::checkers
