// `type: agent`: HAProxy agent-check compatible probe. Connects (usually to the check's `port`
// override), sends the optional `send` string, reads one line and turns it into a verdict:
// "down"/"failed"/"stopped" fail the probe, anything else passes, and weight, drain and maint
// ride along as AgentAdvice for the IPVS side to apply.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "checkers/checker.h"

namespace hadirector::checkers::agent {

struct AgentParams {
  std::string send;
};

AgentParams parse_agent_params(const config::Node& params,
                               std::vector<config::ConfigError>& errors);

// The verdict for one reply line (the part of the probe that needs no socket).
ProbeResult interpret_agent_reply(std::string_view line);

}  // namespace hadirector::checkers::agent

namespace hadirector::checkers {

class AgentCheckerFactory final : public CheckerFactory {
 public:
  std::string type() const override { return "agent"; }
  std::vector<config::ConfigError> validate(const config::Node& params) const override;
  core::Result<std::unique_ptr<Checker>> create(const CheckTarget& target,
                                                const config::Node& params,
                                                CheckContext& context) const override;
};

}  // namespace hadirector::checkers
