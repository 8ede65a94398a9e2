#include "checkers/health_tracker.h"

#include <algorithm>

namespace hadirector::checkers {

const char* to_string(Health h) { return h == Health::kUp ? "up" : "down"; }

HealthTracker::HealthTracker(TrackerConfig config) : config_(config), state_(config.start) {
  // A threshold below one would make a single result flip the state twice; treat it as one.
  config_.rise = std::max(config_.rise, 1);
  config_.fall = std::max(config_.fall, 1);
}

std::optional<Transition> HealthTracker::record(const ProbeResult& result) {
  last_reason_ = result.reason;
  const bool agrees = (state_ == Health::kUp) == result.ok;
  if (agrees) {
    // A result that confirms the current state breaks any streak towards the other one.
    streak_ = 0;
    return std::nullopt;
  }
  ++streak_;
  const int needed = state_ == Health::kUp ? config_.fall : config_.rise;
  if (streak_ < needed) return std::nullopt;
  Transition t{state_, state_ == Health::kUp ? Health::kDown : Health::kUp, result.reason,
               result.detail};
  state_ = t.to;
  streak_ = 0;
  return t;
}

}  // namespace hadirector::checkers
