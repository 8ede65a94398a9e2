// Tracking for one VRRP instance: the tracked interfaces, scripts, virtual servers and files of
// its configuration, each turned into a weight in effect (or a fault), summed and handed to
// VrrpInstance::set_tracking() whenever the result changes. keepalived's rules: weight > 0
// applies while up, < 0 while down, 0 means "down is FAULT"; a file's integer is multiplied by
// its weight (weight 0: non-zero is FAULT); a virtual server's weight applies below quorum.
// It reads shared NamedStates; running scripts and watching files is done by their monitors.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/core/handle.h"
#include "vrrp/io/link_monitor.h"
#include "vrrp/named_states.h"

namespace hadirector::vrrp {

// What the instances of one worker track, shared among them.
struct TrackedStates {
  NamedStates<bool> scripts;          // script name -> last verdict (absent: not run yet)
  NamedStates<bool> virtual_servers;  // name -> quorum ok (absent: not heard yet)
  NamedStates<long> files;            // path -> integer read (absent: unreadable)
};

struct TrackingResult {
  int weight = 0;
  bool fault = false;
  bool operator==(const TrackingResult&) const = default;
};

// Weight in effect for an up/down object.
int tracked_weight(int weight, bool up);

class InstanceTracking {
 public:
  using ChangeFn = std::function<void(const TrackingResult&)>;

  // `scripts` resolves a TrackScript's weight (its own or the script's).
  InstanceTracking(const config::Track& track, const std::vector<config::VrrpScript>& scripts,
                   LinkMonitor& links, TrackedStates& states, ChangeFn on_change);

  TrackingResult result() const { return result_; }
  // Re-evaluates everything; calls on_change if the result differs.
  void evaluate();

 private:
  struct Item {
    enum class Kind { kInterface, kScript, kVirtualServer, kFile } kind;
    std::string name;
    int weight = 0;
  };
  TrackingResult compute() const;

  std::vector<Item> items_;
  LinkMonitor& links_;
  TrackedStates& states_;
  ChangeFn on_change_;
  TrackingResult result_;
  core::Handle link_sub_, script_sub_, vs_sub_, file_sub_;
};

}  // namespace hadirector::vrrp
