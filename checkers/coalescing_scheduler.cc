#include "checkers/coalescing_scheduler.h"

#include <algorithm>
#include <vector>

namespace hadirector::checkers {

CoalescingScheduler::~CoalescingScheduler() { timer_.cancel(); }

core::TimePoint CoalescingScheduler::now() const {
  return firing_now_ ? *firing_now_ : base_.now();
}

core::TimePoint CoalescingScheduler::slot_end(core::TimePoint when) const {
  if (slot_ <= core::Duration::zero()) return when;
  const auto since = when.time_since_epoch();
  const auto rem = since % slot_;
  if (rem == core::Duration::zero()) return when;
  // Negative epochs never happen on CLOCK_MONOTONIC; guard anyway so rounding goes up.
  return when + (rem > core::Duration::zero() ? slot_ - rem : -rem);
}

CoalescingScheduler::Ticket* CoalescingScheduler::take_ticket(core::TimePoint slot, uint64_t id) {
  if (free_tickets_ == nullptr) {
    constexpr size_t kBlock = 256;
    ticket_blocks_.push_back(std::make_unique<Ticket[]>(kBlock));
    for (size_t i = 0; i < kBlock; ++i) {
      ticket_blocks_.back()[i].next_free = free_tickets_;
      free_tickets_ = &ticket_blocks_.back()[i];
    }
  }
  Ticket* ticket = free_tickets_;
  free_tickets_ = ticket->next_free;
  *ticket = Ticket{slot, id, nullptr};
  return ticket;
}

core::Handle CoalescingScheduler::schedule_at(core::TimePoint when, std::function<void()> fn) {
  const core::TimePoint slot = slot_end(when);
  const uint64_t id = next_id_++;
  slots_[slot].push_back(Call{id, std::move(fn)});
  ++live_;
  // While firing, fire() re-arms once at the end; otherwise only an earlier slot needs it.
  if (firing_calls_ == nullptr && (!timer_ || slot < armed_at_)) arm(slot);
  // The Handle calls this once (cancelled, destroyed or replaced), after its call ran or not.
  return core::Handle([this, ticket = take_ticket(slot, id)] {
    cancel(ticket->slot, ticket->id);
    ticket->next_free = free_tickets_;
    free_tickets_ = ticket;
  });
}

bool CoalescingScheduler::cancel_in(Calls& calls, uint64_t id) {
  auto it = std::lower_bound(calls.begin(), calls.end(), id,
                             [](const Call& c, uint64_t v) { return c.id < v; });
  if (it == calls.end() || it->id != id) return false;
  if (it->fn) {
    it->fn = nullptr;
    --live_;
  }
  return true;
}

void CoalescingScheduler::cancel(core::TimePoint slot, uint64_t id) {
  if (firing_calls_ != nullptr && slot == firing_slot_ && cancel_in(*firing_calls_, id)) return;
  auto it = slots_.find(slot);
  if (it != slots_.end()) cancel_in(it->second, id);
}

void CoalescingScheduler::arm(core::TimePoint when) {
  armed_at_ = when;
  timer_ = base_.schedule_at(when, [this] { fire(); });
}

void CoalescingScheduler::fire() {
  core::Handle self = std::move(timer_);  // released after the work, not during it
  const core::TimePoint limit = base_.now();
  firing_now_ = limit;
  // The slots due now: calls they schedule wait for the next firing even if past due, so a
  // call that keeps re-scheduling itself cannot hold the loop.
  std::vector<core::TimePoint> due;
  for (auto it = slots_.begin(); it != slots_.end() && it->first <= limit; ++it)
    due.push_back(it->first);
  for (core::TimePoint slot : due) {
    auto node = slots_.extract(slot);
    if (node.empty()) continue;
    firing_slot_ = slot;
    firing_calls_ = &node.mapped();
    // By index: one call may cancel a later one in the same slot (a probe's answer, its
    // timeout); new calls go to slots_, never to this vector.
    for (size_t i = 0; i < firing_calls_->size(); ++i) {
      std::function<void()> fn = std::move((*firing_calls_)[i].fn);
      if (!fn) continue;
      (*firing_calls_)[i].fn = nullptr;
      --live_;
      fn();
    }
    firing_calls_ = nullptr;
  }
  firing_now_.reset();
  if (!slots_.empty()) arm(slots_.begin()->first);
}

}  // namespace hadirector::checkers
