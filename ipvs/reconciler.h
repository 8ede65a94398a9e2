// The IPVS reconciler: compares the table the daemon wants (its own services and their real
// servers) with what the kernel holds and derives the smallest ordered list of operations that
// turns one into the other, then applies it through an IpvsClient. The plan is pure (tables and
// time in, operations out); Reconciler adds the I/O. It never touches a service it does not own
// and decides nothing about health: that is the policy's job upstream.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "daemon/core/result.h"
#include "daemon/core/scheduler.h"
#include "ipvs/ipvs_client.h"

namespace hadirector::ipvs {

// One service as the daemon wants it. A real server dropped from `destinations` is kept at
// weight 0 for `remove_drain_time` (so its connections finish) before it is deleted.
struct DesiredService {
  Service service;
  std::vector<Destination> destinations;
  core::Duration remove_drain_time{0};
  // Real servers whose health is not known yet (their checks have not answered since the daemon
  // started): an existing kernel entry is left exactly as it is, a missing one is not added, so
  // a restarted daemon adopts the table without a gap.
  std::vector<Destination> undecided;
  friend bool operator==(const DesiredService&, const DesiredService&) = default;
};

// One service as the kernel reports it.
struct ObservedService {
  Service service;
  std::vector<Destination> destinations;
};

// OpKind (ipvs_client.h): "add service", "edit destination"...
const char* to_string(OpKind kind);

struct Op {
  OpKind kind;
  Service service;
  Destination destination;  // meaningful for the destination kinds
  std::string reason;       // why: "new", "weight 100 -> 0", "not configured", "drain over"...
  // "add destination 10.0.0.2:80 to TCP 10.0.0.1:80 (weight 100, new)"
  std::string describe() const;
  friend bool operator==(const Op&, const Op&) = default;
};

// Real servers being drained before deletion, by drain_key(), with their deadline.
using DrainDeadlines = std::map<std::string, core::TimePoint>;
std::string drain_key(const Service& service, const Destination& dest);

struct Plan {
  std::vector<Op> ops;
  DrainDeadlines draining;                       // the deadlines after this plan
  std::optional<core::TimePoint> next_deadline;  // when the plan must be recomputed
};

// The operations turning `observed` into `desired`. Services of `observed` that are neither
// desired nor in `released` (services this daemon owned and no longer wants) are not ours and
// are left alone. Order: services are added or edited before their destinations; within a
// service, edits, then additions, then deletions, so the pool is never emptier than needed;
// released services are deleted last.
Plan plan_changes(const std::vector<DesiredService>& desired,
                  const std::vector<ObservedService>& observed,
                  const std::vector<Service>& released, const DrainDeadlines& draining,
                  core::TimePoint now);

// What one sync did: the operations applied (and skipped as already done) and the failures.
struct SyncReport {
  std::vector<Op> applied;
  std::vector<std::string> errors;
  bool read_failed = false;
};

// Where a sync takes the kernel's current table from.
enum class ReadMode {
  kKernel,  // read the owned services back from the kernel (start, drift check)
  kCached,  // the table as the last sync left it, when that sync read and applied cleanly:
            // reading back 40,000 destinations costs far more than changing a few of them.
            // Services wanted exactly as in the last clean sync, with nothing draining, are
            // then not planned at all: a reload changing 1 % plans 1 %.
};

class Reconciler {
 public:
  explicit Reconciler(IpvsClient& client) : client_(client) {}

  // Plans against `desired` and applies the plan. Services desired in an earlier call and
  // missing now are deleted (they were ours), and so are `withdrawn` ones (ours but not wanted
  // now, e.g. following a VRRP instance that is not MASTER) wherever they came from. Errors
  // EEXIST (add), ESRCH and ENOENT (delete) mean the kernel already is as wanted: done.
  SyncReport sync(const std::vector<DesiredService>& desired, core::TimePoint now,
                  const std::vector<Service>& withdrawn = {}, ReadMode mode = ReadMode::kKernel);

  // When a draining real server is due for deletion (call sync again then).
  std::optional<core::TimePoint> next_deadline() const { return next_deadline_; }

 private:
  core::Result<std::vector<ObservedService>> read_owned(const std::vector<Service>& keys);
  // The cached table for `keys`; a key the cache has never seen is read from the kernel alone.
  core::Result<std::vector<ObservedService>> cached(const std::vector<Service>& keys);
  core::Status read_one(const Service& key);
  // The plan's operations as one batch (IpvsClient::apply), one result per operation.
  std::vector<core::Status> apply(const std::vector<Op>& ops);
  void remember(const Op& op);

  // The desired services worth planning this time (all of them unless `from_cache`).
  std::vector<DesiredService> to_plan(const std::vector<DesiredService>& desired,
                                      bool from_cache) const;
  void remember_synced(const std::vector<DesiredService>& planned,
                       const std::unordered_set<std::string>& wanted, bool clean, bool from_cache);

  IpvsClient& client_;
  std::vector<Service> owned_;
  // Each service as the last sync that planned it applied it without error, by name: equal now
  // means nothing to do for it (while the cache is trusted).
  std::unordered_map<std::string, DesiredService> synced_;
  // The owned part of the kernel's table as of the last sync, by Service::name(); trusted only
  // while cache_valid_ (a read or an operation failed: read the kernel again).
  std::map<std::string, ObservedService> cache_;
  std::set<std::string> covered_;  // names whose presence or absence cache_ knows
  bool cache_valid_ = false;
  DrainDeadlines draining_;
  std::optional<core::TimePoint> next_deadline_;
};

}  // namespace hadirector::ipvs
