// IpvsClient: the one door to the kernel's IPVS table (services, real servers, timeouts, the
// connection-sync daemon). No netlink types here: LibnlIpvsClient speaks generic netlink,
// FakeIpvsClient (tests/fakes) keeps the table in memory. Deliberately no policy: deciding what
// the table should hold is the reconciler's job. Every error names the operation and object
// ("add destination 10.0.0.2:80 to TCP 10.0.0.1:80: EEXIST").
#pragma once

#include <cerrno>
#include <span>
#include <vector>

#include "daemon/core/result.h"
#include "ipvs/ipvs_types.h"

namespace hadirector::ipvs {

enum class OpKind {
  kAddService,
  kEditService,
  kDeleteService,
  kAddDestination,
  kEditDestination,
  kDeleteDestination,
};

// One change to the table: a service (its key for deletes) and, for the destination kinds, the
// destination.
struct Change {
  OpKind kind;
  Service service;
  Destination destination;
};

class IpvsClient {
 public:
  virtual ~IpvsClient() = default;

  virtual core::Result<Info> get_info() = 0;

  virtual core::Result<std::vector<ServiceInfo>> list_services() = 0;
  // Looks a service up by its key (Service::same_key).
  virtual core::Result<ServiceInfo> get_service(const Service& key) = 0;
  virtual core::Status add_service(const Service& service) = 0;
  // Changes scheduler, flags, timeout and netmask of the service with the same key.
  virtual core::Status edit_service(const Service& service) = 0;
  virtual core::Status delete_service(const Service& key) = 0;
  // Removes every service and its destinations.
  virtual core::Status flush() = 0;

  virtual core::Result<std::vector<DestinationInfo>> list_destinations(const Service& key) = 0;
  virtual core::Status add_destination(const Service& key, const Destination& dest) = 0;
  virtual core::Status edit_destination(const Service& key, const Destination& dest) = 0;
  virtual core::Status delete_destination(const Service& key, const Destination& dest) = 0;

  // Applies `changes` in order and returns one Status per change, in order; a failed change
  // does not stop the ones after it. This default calls the methods above one by one;
  // LibnlIpvsClient sends a window of requests before collecting their acks.
  virtual std::vector<core::Status> apply(std::span<const Change> changes);
  // apply() of one change.
  core::Status apply_one(const Change& change);

  virtual core::Result<Timeouts> get_timeouts() = 0;
  virtual core::Status set_timeouts(const Timeouts& timeouts) = 0;

  virtual core::Status start_sync_daemon(const SyncDaemon& daemon) = 0;
  virtual core::Status stop_sync_daemon(SyncState state) = 0;
  virtual core::Result<std::vector<SyncDaemon>> list_sync_daemons() = 0;

  // Statistics of one service, or of one of its destinations (looked up by address and port).
  core::Result<Stats> service_stats(const Service& key) {
    auto info = get_service(key);
    if (!info) return std::unexpected(info.error());
    return info->stats;
  }
  core::Result<Stats> destination_stats(const Service& key, const Destination& dest) {
    auto dests = list_destinations(key);
    if (!dests) return std::unexpected(dests.error());
    for (const auto& d : *dests) {
      if (d.destination.same_key(dest)) return d.stats;
    }
    return core::fail_errno(ENOENT, "stats of destination " + dest.name() + " of " + key.name());
  }
};

}  // namespace hadirector::ipvs
