// A Scheduler that batches timers into slots of a fixed width: every call due within one slot
// runs from a single underlying timer at the slot's end. Thousands of checks a second each had
// their own exact timer (a wake-up, a timerfd re-arm and an sd-event source per probe); with
// slots of a few ms the loop wakes a few hundred times a second at most, each a few ms late.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "daemon/core/scheduler.h"

typedef struct sd_event sd_event;

namespace hadirector::checkers {

class CoalescingScheduler final : public core::Scheduler {
 public:
  // `slot` <= 0 keeps every deadline as it is (still one underlying timer).
  CoalescingScheduler(core::Scheduler& base, core::Duration slot);
  ~CoalescingScheduler() override;
  CoalescingScheduler(const CoalescingScheduler&) = delete;
  CoalescingScheduler& operator=(const CoalescingScheduler&) = delete;

  // On the production EventLoop: the time its current iteration woke up (sd_event_now), not a
  // clock read. Probes ask for the time several times each (start, timeout, latency, next
  // due), and where the clock source is not in the vDSO (HPET, as in the qemu VM) every read
  // is a system call. Stale by at most the iteration's own work, like keepalived's cached time.
  core::TimePoint now() const override;
  // Runs fn at the end of the slot holding `when` (at most one slot late). Handles must not
  // outlive this scheduler.
  [[nodiscard]] core::Handle schedule_at(core::TimePoint when, std::function<void()> fn) override;

  size_t pending() const { return live_; }
  // The end of the slot holding `when`: `when` rounded up to a multiple of the slot width.
  core::TimePoint slot_end(core::TimePoint when) const;

 private:
  struct Call {
    uint64_t id;               // increasing within a slot: cancel finds it by binary search
    std::function<void()> fn;  // empty once cancelled
  };
  using Calls = std::vector<Call>;
  void fire();
  void arm(core::TimePoint when);
  void cancel(core::TimePoint slot, uint64_t id);
  bool cancel_in(Calls& calls, uint64_t id);

  core::Scheduler& base_;
  sd_event* event_ = nullptr;  // base_'s sd-event when base_ is an EventLoop
  core::Duration slot_;
  // By slot end: a few hundred slots, each a vector, rather than a tree node per call.
  std::map<core::TimePoint, Calls> slots_;
  uint64_t next_id_ = 0;
  size_t live_ = 0;
  core::TimePoint firing_slot_{};
  Calls* firing_calls_ = nullptr;  // the slot being run, taken out of slots_
  core::Handle timer_;  // the one underlying timer, at calls_' first slot
  core::TimePoint armed_at_{};
};

}  // namespace hadirector::checkers
