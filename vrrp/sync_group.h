// Sync groups (keepalived's vrrp_sync_group): instances that change state together, so the
// peer director never holds half of a group. A member in FAULT of its own holds the others in
// FAULT; one falling back to BACKUP takes the MASTER members with it; one becoming MASTER takes
// the BACKUP members with it; and a takeover waits until every member wants it (prefer BACKUP,
// no thrashing). Group notify scripts run when the group's state changes. Timers, sockets and
// elections stay in the instances; this only relays between them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "vrrp/instance.h"
#include "vrrp/notify.h"

namespace hadirector::vrrp {

using InstanceLookup = std::function<VrrpInstance*(const std::string& name)>;

// The group's state from its members' (absent members skipped): FAULT if any is, MASTER if all
// are, BACKUP if any is, else INIT (stopped). nullopt when no member is present.
std::optional<State> group_state(const std::vector<VrrpInstance*>& members);

class SyncGroups {
 public:
  SyncGroups(ChildLauncher launcher, InstanceLookup find);

  // (Re)applies the groups: membership on every present member, the fault rule, notify queues.
  void configure(const std::vector<config::SyncGroup>& groups,
                 std::optional<std::string> script_user);
  // Call after every member transition: the follow rules, the fault rule, group notify.
  void on_transition(const TransitionRecord& record);
  // A held member would take over: the group goes MASTER if every member wants to.
  void on_wants_master(const std::string& instance);
  // Group notify scripts still running or queued.
  bool notify_busy() const;
  std::optional<State> state_of(const std::string& group) const;

 private:
  struct Group {
    config::SyncGroup config;
    std::unique_ptr<NotifyQueue> notify;
    std::optional<State> last;  // as last notified
  };
  std::vector<VrrpInstance*> members(const Group& group) const;
  Group* group_of(const std::string& instance);
  void apply_faults(const Group& group);
  void notify_change(Group& group);

  ChildLauncher launcher_;
  InstanceLookup find_;
  std::optional<std::string> script_user_;
  std::map<std::string, Group> groups_;
};

}  // namespace hadirector::vrrp
