// A Scheduler that batches timers into slots of a fixed width: every call due within one slot
// runs from a single underlying timer at the slot's end. Thousands of checks a second each had
// their own exact timer (a wake-up, a timerfd re-arm and an sd-event source per probe); with
// slots of a few ms the loop wakes a few hundred times a second at most, each a few ms late.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "daemon/core/scheduler.h"


namespace hadirector::checkers {

class CoalescingScheduler final : public core::Scheduler {
 public:
  // `slot` <= 0 keeps every deadline as it is (still one underlying timer).
  CoalescingScheduler(core::Scheduler& base, core::Duration slot) : base_(base), slot_(slot) {}
  ~CoalescingScheduler() override;
  CoalescingScheduler(const CoalescingScheduler&) = delete;
  CoalescingScheduler& operator=(const CoalescingScheduler&) = delete;

  // While a slot fires: the time it started firing, read once for every probe it starts
  // (start, timeout and latency each asked the clock, and where the clock source is not in
  // the vDSO, HPET as in the qemu VM, every read is a system call). Stale by at most the
  // slot's own work; the loop's cached wake-up time was not enough: under overload an
  // iteration lasts long enough to cut timeouts short and turn slow answers into timeouts.
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
  // What a Handle needs to find its call: kept here, so the Handle's cancel function captures
  // two pointers, which std::function holds inline (slot, id and `this` did not fit: a heap
  // allocation per scheduled call, two per probe). Recycled when the Handle lets go.
  struct Ticket {
    core::TimePoint slot;
    uint64_t id = 0;
    Ticket* next_free = nullptr;
  };
  Ticket* take_ticket(core::TimePoint slot, uint64_t id);
  void fire();
  void arm(core::TimePoint when);
  void cancel(core::TimePoint slot, uint64_t id);
  bool cancel_in(Calls& calls, uint64_t id);

  core::Scheduler& base_;
  core::Duration slot_;
  // By slot end: a few hundred slots, each a vector, rather than a tree node per call.
  std::map<core::TimePoint, Calls> slots_;
  uint64_t next_id_ = 0;
  size_t live_ = 0;
  core::TimePoint firing_slot_{};
  std::optional<core::TimePoint> firing_now_;  // now() while fire() runs
  Calls* firing_calls_ = nullptr;  // the slot being run, taken out of slots_
  core::Handle timer_;  // the one underlying timer, at calls_' first slot
  core::TimePoint armed_at_{};
  std::vector<std::unique_ptr<Ticket[]>> ticket_blocks_;
  Ticket* free_tickets_ = nullptr;
};

}  // namespace hadirector::checkers
