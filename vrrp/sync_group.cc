#include "vrrp/sync_group.h"

#include <algorithm>

namespace hadirector::vrrp {

void apply_sync_groups(const std::vector<config::SyncGroup>& groups, const InstanceLookup& find) {
  for (const auto& group : groups) {
    std::vector<VrrpInstance*> members;
    for (const auto& name : group.instances)
      if (VrrpInstance* i = find(name)) members.push_back(i);
    for (VrrpInstance* member : members) {
      // Faulted by another member's own fault.
      const bool held = std::ranges::any_of(
          members, [&](VrrpInstance* other) { return other != member && other->own_fault(); });
      member->set_group_fault(held);
    }
  }
}

std::vector<std::string> groups_of(const std::vector<config::SyncGroup>& groups,
                                   const std::string& instance) {
  std::vector<std::string> out;
  for (const auto& g : groups)
    if (std::ranges::find(g.instances, instance) != g.instances.end()) out.push_back(g.name);
  return out;
}

}  // namespace hadirector::vrrp
