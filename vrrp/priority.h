// Effective priority from tracked objects (interfaces, scripts, virtual servers), keepalived
// style: each object in effect adds its weight, the sum is clamped to 1..254, the owner's 255
// never moves, and a weight-0 object that is down puts the instance in Fault. Pure: the glue
// feeds up/down changes in and turns a changed result into state machine events.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace hadirector::vrrp {

// base + sum(weights), clamped to 1..254; base 255 (owner, RFC 5798 §5.2.4) is returned as is.
// `weights` are the weights currently in effect (see Tracker for which ones are).
int effective_priority(int base, std::span<const int> weights);

// An operator demotion (`hadirectorctl demote`) advertises the lowest non-zero priority: any
// peer with a normal priority outranks it, and unlike 0 it does not mean "resigning" (RFC 5798
// §6.4.3), so the peer takes over through the ordinary preemption path and the demoted router
// stays a live backup. The owner's 255 cannot be demoted (effective_priority keeps it).
inline constexpr int kDemotedPriority = 1;
// The weight sum a demotion hands to the instance in place of the tracked weights: low enough
// that every non-owner base (1..254) clamps to kDemotedPriority, so a reload that changes the
// base priority keeps advertising 1 even in the moment before the tracking is re-derived.
inline constexpr int kDemotionWeight = kDemotedPriority - 254;

class Tracker {
 public:
  explicit Tracker(int base_priority) : base_(base_priority) {}

  // Adds a tracked object and returns its id. weight > 0 applies while the object is up,
  // weight < 0 while it is down, weight 0 means "down is a fault".
  size_t add(int weight, bool up);
  // Records an object's new state; returns true when priority() or fault() changed.
  bool set_up(size_t id, bool up);

  int base_priority() const { return base_; }
  int priority() const;
  bool fault() const;

 private:
  struct Object {
    int weight;
    bool up;
  };
  int base_;
  std::vector<Object> objects_;
};

}  // namespace hadirector::vrrp
