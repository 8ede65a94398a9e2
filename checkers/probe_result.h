// What one probe of one real server found: pass/fail, a stable reason code that operators grep
// for ("connect-refused", "timeout", "http-status-503"...), a human detail and the latency.
// Agent checks may also carry advice (weight, drain, maint) for the IPVS side. Pure data.
#pragma once

#include <optional>
#include <string>

#include "daemon/core/scheduler.h"

namespace hadirector::checkers {

// Administrative state an agent asked for (HAProxy agent-check words "ready", "drain", "maint").
enum class AgentAdmin { kReady, kDrain, kMaint };

struct AgentAdvice {
  std::optional<AgentAdmin> admin;
  std::optional<unsigned> weight_percent;  // "75%": share of the configured weight
  std::optional<unsigned> maxconn;         // "maxconn:30"

  bool operator==(const AgentAdvice&) const = default;
};

struct ProbeResult {
  bool ok = false;
  std::string reason;  // stable, kebab-case reason code; "ok" on success
  std::string detail;  // free text for logs and status output
  core::Duration latency{};
  std::optional<AgentAdvice> agent;
  // When the answer was read, for a checker that read the clock anyway (once for a batch of
  // answers); the runner reads it otherwise. Where the clock is a system call (HPET in the
  // qemu VM) that is one fewer per probe.
  std::optional<core::TimePoint> ended;

  static ProbeResult success(std::string detail = {}) {
    return ProbeResult{true, "ok", std::move(detail), {}, std::nullopt, std::nullopt};
  }
  static ProbeResult failure(std::string reason, std::string detail = {}) {
    return ProbeResult{false, std::move(reason), std::move(detail), {}, std::nullopt,
                       std::nullopt};
  }
};

}  // namespace hadirector::checkers
