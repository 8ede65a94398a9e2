// Runs one Checker on a schedule: first probe spread over the interval by a jitter derived from
// the check key (so thousands of checks do not fire together), then every `interval`, every
// `fast_interval` while the state is changing and every `down_interval` while down, measured
// from one probe's start to the next (a late or slow probe does not shift the rest). A probe
// that outlives `timeout` is cancelled and counts as a failure "timeout". Works on any
// core::Scheduler, so tests drive it with a manual clock. It does not touch IPVS or log.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "checkers/checker.h"
#include "checkers/health_tracker.h"
#include "daemon/config/config.h"
#include "daemon/core/scheduler.h"

namespace hadirector::checkers {

using namespace std::chrono_literals;

struct CheckTiming {
  core::Duration interval = 5s;
  core::Duration timeout = 2s;
  std::optional<core::Duration> fast_interval;  // while a rise/fall streak is under way
  std::optional<core::Duration> down_interval;  // while down and not changing
  int rise = 2;
  int fall = 3;
  Health start_state = Health::kDown;

  // Stable text of every field, part of the sharing identity in CheckPool.
  std::string signature() const;
};

// The timing part of a configured check (interval, timeout, rise/fall, start state...).
CheckTiming timing_from(const config::CheckSpec& spec);

// The real server a configured check probes: its address and port, with the check's `port`.
CheckTarget target_from(const std::string& address, uint16_t port, const config::CheckSpec& spec);

// What a runner reports after each probe.
struct CheckEvent {
  const ProbeResult& result;
  Health state;  // after this result
  const std::optional<Transition>& transition;
};

class CheckRunner {
 public:
  using Listener = std::function<void(const CheckEvent&)>;

  CheckRunner(core::Scheduler& scheduler, std::unique_ptr<Checker> checker, CheckTiming timing,
              Listener listener);
  ~CheckRunner();
  CheckRunner(const CheckRunner&) = delete;
  CheckRunner& operator=(const CheckRunner&) = delete;

  // Schedules the first probe at now + first_delay().
  void start();

  Health state() const { return tracker_.state(); }
  const std::string& key() const { return key_; }
  bool probing() const { return probing_; }

  // Deterministic offset in [0, interval) derived from `key`.
  static core::Duration first_delay(const std::string& key, core::Duration interval);
  // Pause before the next probe given the tracker's state.
  core::Duration next_delay() const;
  // When the probe after one due at `due` starts, `delay` later, seen at `now`: on time, at
  // once if slightly overdue, or at its next slot in phase if far behind.
  static core::TimePoint next_due(core::TimePoint due, core::Duration delay, core::TimePoint now);

 private:
  void begin_probe();
  void finish_probe(uint64_t probe_id, ProbeResult result);

  core::Scheduler& scheduler_;
  std::unique_ptr<Checker> checker_;
  CheckTiming timing_;
  HealthTracker tracker_;
  Listener listener_;
  std::string key_;
  core::Handle next_timer_;
  core::Handle timeout_timer_;
  bool probing_ = false;
  uint64_t probe_id_ = 0;
  core::TimePoint started_{};
  core::TimePoint due_{};  // when the current or next probe is (was) due to start
};

}  // namespace hadirector::checkers
