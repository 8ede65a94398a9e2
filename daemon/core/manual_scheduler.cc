#include "daemon/core/manual_scheduler.h"

namespace hadirector::core {

ManualScheduler::ManualScheduler(TimePoint start)
    : now_(start), queue_(std::make_shared<Queue>()) {}

ManualScheduler::~ManualScheduler() = default;

Handle ManualScheduler::schedule_at(TimePoint when, std::function<void()> fn) {
  Key key{when, next_seq_++};
  queue_->emplace(key, std::move(fn));
  return Handle([weak = std::weak_ptr<Queue>(queue_), key] {
    if (auto queue = weak.lock()) queue->erase(key);
  });
}

void ManualScheduler::advance(Duration by) { advance_to(now_ + by); }

void ManualScheduler::advance_to(TimePoint when) {
  // The queue is looked up afresh after each callback: callbacks add and cancel entries.
  while (!queue_->empty() && queue_->begin()->first.first <= when) {
    auto node = queue_->extract(queue_->begin());
    if (node.key().first > now_) now_ = node.key().first;
    node.mapped()();
  }
  if (when > now_) now_ = when;
}

void ManualScheduler::run_due() { advance_to(now_); }

size_t ManualScheduler::pending() const { return queue_->size(); }

std::optional<TimePoint> ManualScheduler::next_deadline() const {
  if (queue_->empty()) return std::nullopt;
  return queue_->begin()->first.first;
}

}  // namespace hadirector::core
