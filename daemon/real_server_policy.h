// The real-server policy: for one virtual server, from the configuration and each real server's
// health, operator drain, agent advice and time since it recovered, decides which real servers
// belong in IPVS and with what weight, whether quorum holds and whether the sorry server takes
// over. Pure: no clock (elapsed times come in), no I/O, no logging; every decision carries a
// reason code. Turning the verdict into kernel operations is the reconciler's job.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checkers/probe_result.h"
#include "daemon/config/config.h"
#include "daemon/core/scheduler.h"

namespace hadirector::daemon {

// One real server's inputs, in the virtual server's configured order.
struct RealServerInput {
  bool has_checks = false;
  bool healthy = false;     // every check up (ignored without checks)
  std::string down_reason;  // the reason code of a failing check, when not healthy
  std::optional<checkers::AgentAdvice> agent;  // the last advice of an agent check
  bool drained = false;                        // operator drain (hadirectorctl drain)
  // Time since the last up/down change of `healthy`; nullopt when it never changed (the state
  // it started in: no slow start then).
  std::optional<core::Duration> since_change;
};

enum class RealServerState { kUp, kDown, kDraining, kSlowStart, kInhibited, kUnchecked };
const char* to_string(RealServerState state);

struct RealServerVerdict {
  std::optional<int> weight;  // in IPVS with this weight; nullopt: not in the table
  RealServerState state = RealServerState::kDown;
  bool healthy = false;
  std::string reason;  // "ok", "operator-drain", "agent-maint", the failing check's code...
};

struct VirtualServerVerdict {
  std::vector<RealServerVerdict> real_servers;  // same order as the configuration
  bool quorum_ok = true;
  std::optional<int> sorry_weight;  // the sorry server in IPVS with this weight
  std::vector<std::string> notes;   // decisions worth a log line ("max-ejected-percent ...")
  // When the verdict changes by itself (the next slow-start step), if ever.
  std::optional<core::Duration> reevaluate_after;
};

// Slow start ramps in this many equal steps: fewer kernel edits than one per weight unit.
inline constexpr int kSlowStartSteps = 10;

// `quorum_was_ok` is the previous verdict's quorum_ok (true for a new virtual server): quorum is
// lost when the live weight drops below quorum - hysteresis and regained at quorum + hysteresis.
VirtualServerVerdict decide(const config::VirtualServer& vs,
                            const std::vector<RealServerInput>& inputs, bool quorum_was_ok);

}  // namespace hadirector::daemon
