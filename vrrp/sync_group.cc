#include "vrrp/sync_group.h"

#include <algorithm>

#include "daemon/core/log.h"

namespace hadirector::vrrp {

std::optional<State> group_state(const std::vector<VrrpInstance*>& members) {
  if (members.empty()) return std::nullopt;
  auto any = [&](State s) {
    return std::ranges::any_of(members, [s](VrrpInstance* m) { return m->state() == s; });
  };
  if (any(State::kFault)) return State::kFault;
  if (std::ranges::all_of(members, [](VrrpInstance* m) { return m->state() == State::kMaster; }))
    return State::kMaster;
  if (any(State::kBackup)) return State::kBackup;
  // Some MASTER, the rest stopped: a group being torn down reports its members' last word.
  return any(State::kMaster) ? State::kMaster : State::kInitialize;
}

SyncGroups::SyncGroups(ChildLauncher launcher, InstanceLookup find)
    : launcher_(std::move(launcher)), find_(std::move(find)) {}

void SyncGroups::configure(const std::vector<config::SyncGroup>& groups,
                           std::optional<std::string> script_user) {
  script_user_ = std::move(script_user);
  // Members that leave every group are released (membership off, no group fault) once their
  // old group is gone, so its rules no longer apply to them.
  std::vector<VrrpInstance*> leaving;
  for (const auto& [name, group] : groups_)
    for (VrrpInstance* m : members(group))
      if (std::ranges::none_of(groups, [&](const config::SyncGroup& g) {
            return std::ranges::find(g.instances, m->name()) != g.instances.end();
          }))
        leaving.push_back(m);
  std::erase_if(groups_, [&](const auto& entry) {
    return std::ranges::find(groups, entry.first, &config::SyncGroup::name) == groups.end();
  });
  for (VrrpInstance* m : leaving) {
    m->set_sync_group(false, nullptr);
    m->set_group_fault(false);
  }
  for (const auto& cfg : groups) {
    Group& group = groups_[cfg.name];
    group.config = cfg;
    if (!group.notify) group.notify = std::make_unique<NotifyQueue>(launcher_);
    const auto present = members(group);
    for (VrrpInstance* m : present)
      m->set_sync_group(present.size() > 1,
                        [this](const std::string& name) { on_wants_master(name); });
    apply_faults(group);
    if (!group.last) group.last = group_state(present);
  }
}

std::vector<VrrpInstance*> SyncGroups::members(const Group& group) const {
  std::vector<VrrpInstance*> out;
  for (const auto& name : group.config.instances)
    if (VrrpInstance* i = find_(name)) out.push_back(i);
  return out;
}

SyncGroups::Group* SyncGroups::group_of(const std::string& instance) {
  for (auto& [name, group] : groups_)
    if (std::ranges::find(group.config.instances, instance) != group.config.instances.end())
      return &group;
  return nullptr;
}

// While any member is in FAULT of its own, the others are held in FAULT; a member faulted only
// by its group does not count, so the group recovers when the real fault clears.
void SyncGroups::apply_faults(const Group& group) {
  const auto present = members(group);
  for (VrrpInstance* member : present) {
    const bool held = std::ranges::any_of(
        present, [&](VrrpInstance* other) { return other != member && other->own_fault(); });
    member->set_group_fault(held);
  }
}

void SyncGroups::on_transition(const TransitionRecord& record) {
  Group* group = group_of(record.instance);
  if (group == nullptr) return;
  // A member that follows does not lead in turn: only a member's own transition propagates.
  if (record.reason != "sync_group") {
    for (VrrpInstance* other : members(*group)) {
      if (other->name() == record.instance) continue;
      if (record.to == State::kMaster && other->state() == State::kBackup) other->follow_master();
      if (record.from == State::kMaster && record.to == State::kBackup &&
          other->state() == State::kMaster)
        other->follow_backup();
    }
  }
  apply_faults(*group);
  notify_change(*group);
}

void SyncGroups::on_wants_master(const std::string& instance) {
  Group* group = group_of(instance);
  if (group == nullptr) return;
  const auto present = members(*group);
  // Stopped members (INIT) do not vote; a FAULT member holds the group anyway.
  const bool all_want = std::ranges::all_of(present, [](VrrpInstance* m) {
    return m->state() == State::kMaster || m->state() == State::kInitialize ||
           (m->state() == State::kBackup && m->wants_master());
  });
  if (!all_want) return;
  for (VrrpInstance* m : present)
    if (m->state() == State::kBackup) m->follow_master();
}

void SyncGroups::notify_change(Group& group) {
  const auto present = members(group);
  const auto state = group_state(present);
  if (!state || state == group.last) return;
  group.last = state;
  int priority = 0;  // the group's: its highest member's
  for (VrrpInstance* m : present) priority = std::max(priority, m->effective_priority());
  core::log_notice("vrrp sync group " + group.config.name + ": " + state_name(*state),
                   {{"HADIRECTOR_EVENT", "vrrp-group-transition"}});
  for (auto& argv :
       notify_commands(group.config.notify, "GROUP", group.config.name, *state, priority))
    group.notify->push(std::move(argv), script_user_);
}

bool SyncGroups::notify_busy() const {
  return std::ranges::any_of(groups_, [](const auto& e) {
    return e.second.notify->busy() || e.second.notify->queued() > 0;
  });
}

std::optional<State> SyncGroups::state_of(const std::string& group) const {
  auto it = groups_.find(group);
  if (it == groups_.end()) return std::nullopt;
  return group_state(members(it->second));
}

}  // namespace hadirector::vrrp
