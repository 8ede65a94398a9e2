// Sync groups (keepalived's vrrp_sync_group): instances that must change state together. Here
// the fault rule: while any member is in FAULT for a reason of its own (interface or tracking),
// every other member is held in FAULT too, so the peer director takes the whole group. The rule
// is re-applied after every transition; a member faulted only by its group does not count, so
// the group recovers when the real fault clears. Members following BACKUP are not done yet.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "vrrp/instance.h"

namespace hadirector::vrrp {

using InstanceLookup = std::function<VrrpInstance*(const std::string& name)>;

// Sets or clears the group fault on every member of every group (absent members are skipped).
void apply_sync_groups(const std::vector<config::SyncGroup>& groups, const InstanceLookup& find);

// The groups `instance` belongs to.
std::vector<std::string> groups_of(const std::vector<config::SyncGroup>& groups,
                                   const std::string& instance);

}  // namespace hadirector::vrrp
