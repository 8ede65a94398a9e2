// Sync groups on the in-memory LAN: two directors, each with a two-member group (web on VRID 51,
// db on VRID 52), elect, fail over, fault and recover as one; group notify scripts; the group
// state rule.
#include "vrrp/sync_group.h"

#include <gtest/gtest.h>

#include "tests/unit/vrrp/instance_lab.h"

namespace hadirector::testing {
namespace {

using std::chrono::milliseconds;
using vrrp::State;

config::VrrpInstance member(const std::string& name, int priority) {
  auto c = instance_config(name, priority, name == "web" ? "192.0.2.100/24" : "192.0.2.150/24");
  c.vrid = name == "web" ? 51 : 52;
  return c;
}

// One director: two routers (web, db) and its SyncGroups, wired as VrrpModule wires them.
struct Director {
  Router* web = nullptr;
  Router* db = nullptr;
  FakeLauncher launcher;
  std::unique_ptr<vrrp::SyncGroups> groups;

  void group(config::SyncGroup cfg) {
    groups = std::make_unique<vrrp::SyncGroups>(launcher.fn(), [this](const std::string& n) {
      return n == "web" ? web->instance.get() : n == "db" ? db->instance.get() : nullptr;
    });
    for (Router* r : {web, db})
      r->on_transition = [this](const vrrp::TransitionRecord& rec) { groups->on_transition(rec); };
    groups->configure({std::move(cfg)}, std::nullopt);
  }
  bool both(State s) const { return web->state() == s && db->state() == s; }
  size_t transitions() const { return web->transitions.size() + db->transitions.size(); }
};

class SyncGroupLab : public InstanceLab {
 protected:
  // a: priority 200 on both members, b: 100. Both grouped unless told otherwise.
  void build(bool group_b = true) {
    make(a_, "192.0.2.1/24", 200);
    make(b_, "192.0.2.2/24", 100);
    a_.group({"front", {"web", "db"}, {}});
    if (group_b) b_.group({"front", {"web", "db"}, {}});
    start_all();
  }
  void make(Director& d, const std::string& host, int priority) {
    d.web = &add(host, member("web", priority));
    d.db = &add(host, member("db", priority));
  }
  Director a_, b_;
};

TEST_F(SyncGroupLab, ElectionPutsTheWholeGroupOnTheHigherPriorityDirector) {
  build();
  EXPECT_TRUE(a_.both(State::kMaster));
  EXPECT_TRUE(b_.both(State::kBackup));
  EXPECT_TRUE(a_.web->has_vip() && a_.db->has_vip());
}

TEST_F(SyncGroupLab, InterfaceDownOnOneMemberMovesTheWholeGroupToThePeer) {
  build();
  a_.web->set_link(false);
  EXPECT_EQ(a_.web->state(), State::kFault);
  EXPECT_EQ(a_.db->state(), State::kFault);  // held by its group
  EXPECT_FALSE(a_.db->has_vip());
  clock_.advance(milliseconds(500));  // b's db heard priority 0; b's web waits Master_Down
  EXPECT_TRUE(b_.both(State::kMaster));
  EXPECT_TRUE(b_.web->has_vip() && b_.db->has_vip());
}

TEST_F(SyncGroupLab, LeavingFaultReevaluatesAndThePreferredDirectorTakesTheGroupBack) {
  build();
  a_.web->set_link(false);
  clock_.advance(milliseconds(500));
  a_.web->set_link(true);
  EXPECT_TRUE(a_.both(State::kBackup));
  clock_.advance(milliseconds(500));
  EXPECT_TRUE(a_.both(State::kMaster));
  EXPECT_TRUE(b_.both(State::kBackup));
}

TEST_F(SyncGroupLab, MemberHearingAHigherPriorityTakesItsGroupToBackup) {
  build(/*group_b=*/false);
  b_.web->instance->set_tracking(150, false);  // b's web: 250, above a's 200
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(b_.web->state(), State::kMaster);
  EXPECT_EQ(a_.web->state(), State::kBackup);
  EXPECT_EQ(a_.db->state(), State::kBackup);
  EXPECT_EQ(a_.db->transitions.back().reason, "sync_group");
  EXPECT_EQ(b_.db->state(), State::kMaster);  // ungrouped on b: takes over when a's db is silent
  // a's db outranks b's db but does not preempt while its group-mate is BACKUP: no thrashing.
  const size_t before = a_.transitions();
  clock_.advance(milliseconds(3000));
  EXPECT_EQ(a_.transitions(), before);
  EXPECT_TRUE(a_.both(State::kBackup));
}

TEST_F(SyncGroupLab, TakeoverWaitsUntilEveryMemberWantsIt) {
  build();
  // a's web drops below b's; b's web would preempt, but b's db still hears a better master.
  a_.web->instance->set_tracking(-150, false);
  const size_t before = a_.transitions() + b_.transitions();
  clock_.advance(milliseconds(3000));
  EXPECT_EQ(a_.transitions() + b_.transitions(), before);
  EXPECT_TRUE(a_.both(State::kMaster));
  EXPECT_TRUE(b_.both(State::kBackup));
  EXPECT_TRUE(b_.web->instance->wants_master());
  EXPECT_FALSE(b_.db->instance->wants_master());
  // Once db drops too, the whole group moves.
  a_.db->instance->set_tracking(-150, false);
  clock_.advance(milliseconds(1000));
  EXPECT_TRUE(b_.both(State::kMaster));
  EXPECT_TRUE(a_.both(State::kBackup));
}

TEST_F(SyncGroupLab, SilentMasterDirectorHandsTheGroupOverTogether) {
  build();
  lan_.cut(*a_.web->socket);
  lan_.cut(*a_.db->socket);
  clock_.advance(milliseconds(250));
  EXPECT_TRUE(b_.both(State::kBackup));  // Master_Down_Interval is 3 x 100 ms + skew
  clock_.advance(milliseconds(150));
  EXPECT_TRUE(b_.both(State::kMaster));
  // Both timers ran out: each reports its own reason, not sync_group.
  EXPECT_EQ(b_.web->transitions.back().reason, "master_down_timer");
  EXPECT_EQ(b_.db->transitions.back().reason, "master_down_timer");
}

TEST_F(SyncGroupLab, OwnerMemberBecomingMasterBringsTheOthersAtOnce) {
  a_.web = &add("192.0.2.1/24", member("web", 255));
  a_.db = &add("192.0.2.1/24", member("db", 100));
  a_.group({"front", {"web", "db"}, {}});
  a_.db->instance->start();
  clock_.advance(milliseconds(100));
  ASSERT_EQ(a_.db->state(), State::kBackup);
  a_.web->instance->start();  // the owner goes straight to MASTER (RFC 5798 §6.4.1)
  EXPECT_TRUE(a_.both(State::kMaster));
  EXPECT_EQ(a_.db->transitions.back().reason, "sync_group");
}

TEST_F(SyncGroupLab, GroupNotifyRunsOnGroupStateChangesInOrder) {
  make(a_, "192.0.2.1/24", 200);
  config::SyncGroup g{"front", {"web", "db"}, {}};
  g.notify.master = {"/bin/n", "m"};
  g.notify.backup = {"/bin/n", "b"};
  g.notify.fault = {"/bin/n", "f"};
  g.notify.stop = {"/bin/n", "s"};
  a_.group(g);
  start_all();
  a_.web->set_link(false);
  a_.web->instance->stop();
  a_.db->instance->stop();
  auto& runs = a_.launcher.runs;
  ASSERT_EQ(runs.size(), 1u);  // one at a time
  const std::vector<std::string> first = {"/bin/n", "b", "GROUP", "front", "BACKUP", "200"};
  EXPECT_EQ(runs[0].spec.argv, first);
  for (size_t i = 0; i < runs.size(); ++i) a_.launcher.finish(i, 0);
  std::vector<std::string> states;
  for (const auto& r : runs) states.push_back(r.spec.argv[4]);
  EXPECT_EQ(states, (std::vector<std::string>{"BACKUP", "MASTER", "FAULT", "STOP"}));
}

TEST_F(SyncGroupLab, ReconfigureReleasesAMemberThatLeftTheGroup) {
  make(a_, "192.0.2.1/24", 200);
  a_.group({"front", {"web", "db"}, {}});
  start_all();
  a_.web->set_link(false);
  ASSERT_EQ(a_.db->state(), State::kFault);
  a_.groups->configure({}, std::nullopt);
  EXPECT_EQ(a_.db->state(), State::kBackup);  // no group holds it in FAULT any more
  clock_.advance(milliseconds(500));
  EXPECT_EQ(a_.db->state(), State::kMaster);
  EXPECT_EQ(a_.groups->state_of("front"), std::nullopt);
}

}  // namespace
}  // namespace hadirector::testing
