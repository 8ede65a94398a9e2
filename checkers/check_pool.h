// Shares checks between virtual servers: subscribers asking for the same check (same checker
// key and timing) get one CheckRunner that probes once and fans every result out to all of
// them. The runner stops when its last subscriber leaves. Probe timers go through a
// CoalescingScheduler: each fires up to kProbeSlot late, so a busy worker wakes once per slot
// rather than once per probe. Not thread-safe; one per worker.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/check_runner.h"
#include "checkers/coalescing_scheduler.h"
#include "daemon/core/handle.h"

namespace hadirector::checkers {

class CheckPool {
 public:
  // Width of the probe timer slots: far inside any sane check interval and the 50 ms lateness
  // target, wide enough to batch a few dozen probes per wake-up at 10,000 checks a second.
  // 20 ms, a divisor of whole-second intervals so a check keeps its place in the slot grid:
  // in the qemu VM, 4 ms slots meant about 230 wake-ups a second at 1,200 checks a second,
  // each a context switch and an epoll_wait that cost more than the probes they started.
  static constexpr core::Duration kProbeSlot = std::chrono::milliseconds(20);

  explicit CheckPool(core::Scheduler& scheduler, core::Duration slot = kProbeSlot)
      : clock_(scheduler, slot) {}
  ~CheckPool();
  CheckPool(const CheckPool&) = delete;
  CheckPool& operator=(const CheckPool&) = delete;

  struct Subscription {
    core::Handle handle;           // destroying it unsubscribes; must not outlive the pool
    std::string key;               // sharing identity (checker key + timing)
    Health state = Health::kDown;  // the shared check's state at subscription time
  };

  // Joins the running check with the same identity, or starts `checker` as a new one (an
  // equal checker passed for a shared check is simply dropped).
  Subscription subscribe(std::unique_ptr<Checker> checker, const CheckTiming& timing,
                         CheckRunner::Listener listener);

  size_t running() const { return entries_.size(); }
  size_t subscribers(const std::string& key) const;
  std::optional<Health> state(const std::string& key) const;

 private:
  struct Entry {
    std::unique_ptr<CheckRunner> runner;
    std::map<uint64_t, std::shared_ptr<CheckRunner::Listener>> listeners;
  };
  void fan_out(Entry& entry, const CheckEvent& event);
  void unsubscribe(const std::string& key, uint64_t id);

  CoalescingScheduler clock_;  // before entries_: the runners' timers must go first
  std::map<std::string, Entry> entries_;
  uint64_t next_id_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hadirector::checkers
