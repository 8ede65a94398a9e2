#include "checkers/agent/agent_checker.h"

#include "checkers/agent/agent_reply.h"
#include "checkers/net/exchange_checker.h"
#include "checkers/param_reader.h"

namespace hadirector::checkers::agent {

AgentParams parse_agent_params(const config::Node& params,
                               std::vector<config::ConfigError>& errors) {
  ParamReader reader("agent check", params);
  AgentParams out;
  out.send = reader.string("send").value_or("");
  for (auto& e : reader.finish()) errors.push_back(std::move(e));
  return out;
}

ProbeResult interpret_agent_reply(std::string_view line) {
  auto reply = parse_agent_reply(line);
  if (!reply)
    return ProbeResult::failure("agent-bad-reply",
                                reply.error().message() + ": \"" + net::printable(line) + "\"");
  ProbeResult result;
  const AgentHealth health = reply->health.value_or(AgentHealth::kUp);
  if (health == AgentHealth::kUp) {
    result = ProbeResult::success(reply->reason);
  } else {
    result = ProbeResult::failure(std::string("agent-") + to_string(health), reply->reason);
  }
  result.agent = reply->advice;
  return result;
}

namespace {

// An agent line is short; anything longer is not an agent talking.
constexpr size_t kMaxLine = 1024;

class AgentChecker final : public net::ExchangeChecker {
 public:
  AgentChecker(core::EventLoop& loop, CheckTarget target, std::string key, AgentParams params)
      : ExchangeChecker(loop, std::move(target), std::move(key)), params_(std::move(params)) {}

 private:
  net::ExchangeRequest make_request() const override {
    net::ExchangeRequest request;
    request.payload = params_.send;
    request.max_bytes = kMaxLine;
    request.complete = [](std::string_view received) {
      return received.find('\n') != std::string_view::npos;
    };
    return request;
  }

  ProbeResult interpret(const net::ExchangeOutcome& outcome) const override {
    if (outcome.received.empty())
      return ProbeResult::failure("agent-no-reply", "the agent closed without a reply");
    return interpret_agent_reply(outcome.received);
  }

  AgentParams params_;
};

}  // namespace
}  // namespace hadirector::checkers::agent

namespace hadirector::checkers {

std::vector<config::ConfigError> AgentCheckerFactory::validate(const config::Node& params) const {
  std::vector<config::ConfigError> errors;
  agent::parse_agent_params(params, errors);
  return errors;
}

core::Result<std::unique_ptr<Checker>> AgentCheckerFactory::create(const CheckTarget& target,
                                                                   const config::Node& params,
                                                                   CheckContext& context) const {
  std::vector<config::ConfigError> errors;
  agent::AgentParams parsed = agent::parse_agent_params(params, errors);
  if (auto st = first_error(errors); !st) return std::unexpected(st.error());
  return std::make_unique<agent::AgentChecker>(
      context.loop, target, make_check_key(type(), target, params), std::move(parsed));
}

}  // namespace hadirector::checkers
