// Rise/fall hysteresis for one check: a server goes up after `rise` consecutive successes and
// down after `fall` consecutive failures, starting from a configured state. Pure: results in,
// transitions out; no clock, no I/O, no logging (the runner and the daemon do those).
#pragma once

#include <optional>
#include <string>

#include "checkers/probe_result.h"

namespace hadirector::checkers {

enum class Health { kDown, kUp };

const char* to_string(Health h);

struct TrackerConfig {
  int rise = 2;
  int fall = 3;
  Health start = Health::kDown;
};

struct Transition {
  Health from;
  Health to;
  std::string reason;  // reason code of the probe that completed the streak
  std::string detail;
};

class HealthTracker {
 public:
  explicit HealthTracker(TrackerConfig config);

  // Feeds one probe result; returns the transition it completed, if any.
  std::optional<Transition> record(const ProbeResult& result);

  Health state() const { return state_; }
  // True while a streak towards the other state is under way (drives fast_interval).
  bool changing() const { return streak_ > 0; }
  // Consecutive results pointing away from the current state.
  int streak() const { return streak_; }
  const std::string& last_reason() const { return last_reason_; }

 private:
  TrackerConfig config_;
  Health state_;
  int streak_ = 0;
  std::string last_reason_;
};

}  // namespace hadirector::checkers
