#include "daemon/core/timer_heap.h"

#include <algorithm>
#include <utility>

namespace hadirector::core {

// Shared by the heap's entry and the Handle, each holding one reference: either may go first
// (the Handle may outlive the heap, a cancelled entry stays in the heap until it is dropped).
// The Handle's cancel function captures only the pointer, so std::function stores it inline
// and arming a timer allocates the node alone.
struct TimerHeap::Node {
  explicit Node(std::function<void()> f) : fn(std::move(f)) {}
  void unref() {
    if (--refs == 0) delete this;
  }
  std::function<void()> fn;
  int refs = 2;
  bool live = true;  // neither cancelled nor run
};

TimerHeap::~TimerHeap() {
  for (Entry& e : heap_) e.node->unref();
}

bool TimerHeap::later(const Entry& a, const Entry& b) {
  return a.when != b.when ? a.when > b.when : a.seq > b.seq;
}

Handle TimerHeap::add(TimePoint when, std::function<void()> fn) {
  if (heap_.size() >= compact_at_) compact();
  auto* node = new Node(std::move(fn));
  heap_.push_back({when, next_seq_++, node});
  std::push_heap(heap_.begin(), heap_.end(), later);
  return Handle([node] {
    // Released now, not when the entry leaves the heap: captures may own large state.
    if (node->live) node->fn = nullptr;
    node->live = false;
    node->unref();
  });
}

// Cancelled entries stay until they reach the top or a compaction: a re-armed timer (VRRP's
// master-down timer moves on every advert) leaves one behind each time, so the heap is swept
// whenever it has doubled since the last sweep. Amortised, each entry is looked at once more.
void TimerHeap::compact() {
  auto dead =
      std::partition(heap_.begin(), heap_.end(), [](const Entry& e) { return e.node->live; });
  for (auto it = dead; it != heap_.end(); ++it) it->node->unref();
  heap_.erase(dead, heap_.end());
  std::make_heap(heap_.begin(), heap_.end(), later);
  compact_at_ = std::max<size_t>(64, 2 * heap_.size());
}

void TimerHeap::drop_cancelled_top() {
  while (!heap_.empty() && !heap_.front().node->live) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.back().node->unref();
    heap_.pop_back();
  }
}

std::optional<TimePoint> TimerHeap::next_deadline() {
  drop_cancelled_top();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().when;
}

size_t TimerHeap::run_due(TimePoint now) {
  // Taken out first: what callbacks add goes to the heap for the next call.
  std::vector<Entry> due;
  due.swap(due_);
  while (!heap_.empty() && heap_.front().when <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    due.push_back(heap_.back());
    heap_.pop_back();
  }
  size_t ran = 0;
  for (Entry& e : due) {
    Node* node = e.node;
    if (node->live) {
      node->live = false;
      // Moved out so that the callback may cancel or destroy its own Handle.
      std::function<void()> fn = std::move(node->fn);
      ++ran;
      if (fn) fn();
    }
    node->unref();
  }
  due.clear();
  if (due_.capacity() < due.capacity()) due_.swap(due);
  return ran;
}

}  // namespace hadirector::core
