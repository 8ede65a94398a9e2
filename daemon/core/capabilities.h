// Linux capabilities of the calling process: reading them and giving them up for good. A
// worker narrows its effective, permitted, inheritable, ambient and bounding sets to what its
// job needs, so that neither it nor a script it runs as root (which gets the bounding set on
// exec) holds more. Raw capget/capset and prctl, no libcap. Which capabilities a worker needs
// is decided elsewhere (daemon/worker_capabilities.h).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "daemon/core/result.h"

namespace hadirector::core {

// A set of capability numbers (CAP_NET_ADMIN, ...), 0..63.
class CapabilitySet {
 public:
  constexpr CapabilitySet() = default;
  constexpr explicit CapabilitySet(uint64_t bits) : bits_(bits) {}
  constexpr CapabilitySet(std::initializer_list<int> caps) {
    for (int c : caps) bits_ |= uint64_t{1} << c;
  }
  constexpr bool has(int cap) const { return (bits_ >> cap) & 1; }
  constexpr void add(int cap) { bits_ |= uint64_t{1} << cap; }
  constexpr bool contains(CapabilitySet other) const { return (other.bits_ & ~bits_) == 0; }
  constexpr CapabilitySet minus(CapabilitySet other) const {
    return CapabilitySet(bits_ & ~other.bits_);
  }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr uint64_t bits() const { return bits_; }
  // "cap_net_admin,cap_net_raw" (numbers for capabilities newer than this table); "none".
  std::string to_string() const;
  bool operator==(const CapabilitySet&) const = default;

 private:
  uint64_t bits_ = 0;
};

struct ProcessCapabilities {
  CapabilitySet effective, permitted, inheritable, bounding;
};

// The calling thread's capability sets.
Result<ProcessCapabilities> current_capabilities();

// Leaves the process with exactly `keep` (intersected with what it has) in its effective and
// permitted sets, nothing inheritable or ambient, and a bounding set of `keep`. The bounding
// set needs CAP_SETPCAP to shrink; without it the other sets are still narrowed and the error
// says so. Irreversible: a capability given up cannot be had back without a new process.
Status restrict_capabilities(CapabilitySet keep);

}  // namespace hadirector::core
