// Parser for one HAProxy agent-check reply line: words separated by spaces, tabs or commas,
// ending at the first newline; "up", "down", "failed", "stopped" set the operational state,
// "ready", "drain", "maint" the administrative one, "N%" a weight share, "maxconn:N" a limit,
// and "#" starts a free-text reason. Pure. It does not decide what the daemon does with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/probe_result.h"
#include "daemon/core/result.h"

namespace hadirector::checkers::agent {

enum class AgentHealth { kUp, kDown, kFailed, kStopped };

const char* to_string(AgentHealth h);

struct AgentReply {
  std::optional<AgentHealth> health;
  AgentAdvice advice;
  std::string reason;                      // text after '#', trimmed
  std::vector<std::string> ignored_words;  // words we do not know; HAProxy ignores them too
};

// The percentage that a reply may carry; HAProxy caps the resulting weight the same way.
inline constexpr unsigned kMaxWeightPercent = 25600;

// Fails (Errc::kProtocol) on an empty reply, a bad percentage or a bad maxconn value.
core::Result<AgentReply> parse_agent_reply(std::string_view reply);

}  // namespace hadirector::checkers::agent
