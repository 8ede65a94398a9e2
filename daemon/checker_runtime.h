// CheckerEngine's per-object state (virtual server, real server, check), shared by the engine's
// implementation files only. Not an interface: nothing outside CheckerEngine includes this.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/checker_engine.h"
#include "daemon/metrics_check_stats.h"

namespace hadirector::daemon {

struct CheckerEngine::CheckRecord {
  std::string type;
  checkers::CheckPool::Subscription sub;
  checkers::Health state = checkers::Health::kDown;
  std::string last_reason;  // empty until the first result
  std::string last_detail;
  std::optional<double> last_latency_ms;
  std::optional<checkers::AgentAdvice> agent;
};

struct CheckerEngine::RealServerRuntime {
  config::RealServer config;
  std::string name;  // "198.51.100.11:80", as configured
  std::vector<std::unique_ptr<CheckRecord>> checks;
  bool healthy = false;
  std::optional<core::TimePoint> changed_at;
  std::string state;  // last reported state; empty before the first evaluation
  RealServerVerdict verdict;
};

struct CheckerEngine::VirtualServerRuntime {
  config::VirtualServer config;
  std::vector<std::unique_ptr<RealServerRuntime>> reals;
  bool quorum_ok = true;
  bool evaluated = false;  // the first verdict sets the quorum state without logging a change
  std::optional<int> sorry_weight;
  std::vector<std::string> notes;
  core::Handle reevaluate_timer;
  CheckStats check_stats;  // latency histograms and results of its checks, for /metrics
  // Its services as the last verdict wants them in IPVS (add_desired), rebuilt only after the
  // next evaluation: a table push then copies 2,000 services instead of recomputing them.
  std::vector<ipvs::DesiredService> desired;
  bool desired_valid = false;
};

}  // namespace hadirector::daemon
