#include "checkers/coalescing_scheduler.h"

#include <vector>

namespace hadirector::checkers {

CoalescingScheduler::~CoalescingScheduler() { timer_.cancel(); }

core::TimePoint CoalescingScheduler::slot_end(core::TimePoint when) const {
  if (slot_ <= core::Duration::zero()) return when;
  const auto since = when.time_since_epoch();
  const auto rem = since % slot_;
  if (rem == core::Duration::zero()) return when;
  // Negative epochs never happen on CLOCK_MONOTONIC; guard anyway so rounding goes up.
  return when + (rem > core::Duration::zero() ? slot_ - rem : -rem);
}

core::Handle CoalescingScheduler::schedule_at(core::TimePoint when, std::function<void()> fn) {
  const Key key{slot_end(when), next_id_++};
  calls_.emplace(key, std::move(fn));
  // While firing, fire() re-arms once at the end; otherwise only an earlier slot needs it.
  if (!firing_ && (!timer_ || key.first < armed_at_)) arm(key.first);
  return core::Handle([this, key] { calls_.erase(key); });
}

void CoalescingScheduler::arm(core::TimePoint when) {
  armed_at_ = when;
  timer_ = base_.schedule_at(when, [this] { fire(); });
}

void CoalescingScheduler::fire() {
  core::Handle self = std::move(timer_);  // released after the work, not during it
  const core::TimePoint limit = base_.now();
  // The calls due now, by key: one may cancel another (a probe's answer cancels its timeout
  // in the same slot) or schedule new ones, which wait for the next firing even if past due.
  std::vector<Key> due;
  for (auto it = calls_.begin(); it != calls_.end() && it->first.first <= limit; ++it)
    due.push_back(it->first);
  firing_ = true;
  for (const Key& key : due) {
    auto node = calls_.extract(key);
    if (node.empty()) continue;  // cancelled by an earlier call
    std::function<void()> fn = std::move(node.mapped());
    fn();
  }
  firing_ = false;
  if (!calls_.empty()) arm(calls_.begin()->first.first);
}

}  // namespace hadirector::checkers
