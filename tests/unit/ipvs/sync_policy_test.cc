// The connection-sync role policy: role from mode and followed instance state, the wanted
// daemons, and the start/stop plan from the kernel's running daemons.
#include "ipvs/sync_policy.h"

#include <gtest/gtest.h>

namespace hadirector::ipvs {
namespace {

config::SyncConfig follow(const std::string& instance = "web") {
  config::SyncConfig c;
  c.interface = "eth1";
  c.sync_id = 7;
  c.follow_instance = instance;
  return c;
}

config::SyncConfig both() {
  config::SyncConfig c = follow("");
  c.mode = config::SyncMode::kBoth;
  return c;
}

// As the kernel lists a daemon: defaults filled in.
SyncDaemon listed(SyncState state, std::uint8_t sync_id = 7, const char* ifname = "eth1") {
  SyncDaemon d;
  d.state = state;
  d.interface = ifname;
  d.sync_id = sync_id;
  d.group = *IpAddress::parse("224.0.0.81");
  d.port = 8848;
  d.ttl = 1;
  d.max_length = 1472;
  return d;
}

std::vector<std::string> described(const std::vector<SyncOp>& ops) {
  std::vector<std::string> out;
  for (const auto& op : ops) out.push_back(op.describe());
  return out;
}

TEST(SyncRole, FollowInstanceIsMasterOnlyWhileTheInstanceIsMaster) {
  const auto c = follow();
  EXPECT_EQ(sync_role_for(&c, "MASTER"), SyncRole::kMaster);
  EXPECT_EQ(sync_role_for(&c, "BACKUP"), SyncRole::kBackup);
  EXPECT_EQ(sync_role_for(&c, "FAULT"), SyncRole::kBackup);
  EXPECT_EQ(sync_role_for(&c, "INIT"), SyncRole::kBackup);
  EXPECT_EQ(sync_role_for(&c, ""), SyncRole::kBackup);
}

TEST(SyncRole, ModeBothIgnoresInstanceStateAndNoConfigIsNone) {
  const auto c = both();
  EXPECT_EQ(sync_role_for(&c, "MASTER"), SyncRole::kBoth);
  EXPECT_EQ(sync_role_for(&c, "FAULT"), SyncRole::kBoth);
  EXPECT_EQ(sync_role_for(nullptr, "MASTER"), SyncRole::kNone);
  EXPECT_EQ(sync_role_name(SyncRole::kBoth), "both");
  EXPECT_EQ(sync_role_name(SyncRole::kNone), "none");
}

TEST(SyncDesired, BothWantsMasterAndBackupWithConfiguredOptions) {
  auto c = both();
  c.mcast_group = *config::IpAddress::from_string("239.1.2.3");
  c.port = 9000;
  c.ttl = 3;
  c.maxlen = 1200;
  auto wanted = desired_sync_daemons(&c, SyncRole::kBoth);
  ASSERT_EQ(wanted.size(), 2u);
  EXPECT_EQ(wanted[0].state, SyncState::kMaster);
  EXPECT_EQ(wanted[1].state, SyncState::kBackup);
  EXPECT_EQ(wanted[1].interface, "eth1");
  EXPECT_EQ(wanted[1].sync_id, 7);
  EXPECT_EQ(wanted[1].group->to_string(), "239.1.2.3");
  EXPECT_EQ(wanted[1].port, 9000);
  EXPECT_EQ(wanted[1].ttl, 3);
  EXPECT_EQ(wanted[1].max_length, 1200);
  EXPECT_TRUE(desired_sync_daemons(nullptr, SyncRole::kNone).empty());
}

TEST(SyncPlan, StartsWhatIsMissingFromAnEmptyKernel) {
  const auto c = follow();
  auto ops = plan_sync({}, desired_sync_daemons(&c, SyncRole::kMaster));
  EXPECT_EQ(described(ops), std::vector<std::string>{"start sync daemon master on eth1 syncid 7"});
}

TEST(SyncPlan, IsEmptyWhenTheKernelRunsTheWantedDaemonsWithItsDefaults) {
  const auto c = both();
  auto ops = plan_sync({listed(SyncState::kMaster), listed(SyncState::kBackup)},
                       desired_sync_daemons(&c, SyncRole::kBoth));
  EXPECT_TRUE(ops.empty());
}

TEST(SyncPlan, SwitchingBackupToMasterStopsTheBackupThenStartsTheMaster) {
  const auto c = follow();
  auto ops = plan_sync({listed(SyncState::kBackup)}, desired_sync_daemons(&c, SyncRole::kMaster));
  EXPECT_EQ(described(ops),
            (std::vector<std::string>{"stop sync daemon backup",
                                      "start sync daemon master on eth1 syncid 7"}));
}

TEST(SyncPlan, RestartsADaemonWhoseParametersChanged) {
  auto c = follow();
  c.sync_id = 9;
  auto ops = plan_sync({listed(SyncState::kBackup)}, desired_sync_daemons(&c, SyncRole::kBackup));
  EXPECT_EQ(described(ops),
            (std::vector<std::string>{"stop sync daemon backup",
                                      "start sync daemon backup on eth1 syncid 9"}));
  c.sync_id = 7;
  c.port = 9000;
  EXPECT_EQ(
      plan_sync({listed(SyncState::kBackup)}, desired_sync_daemons(&c, SyncRole::kBackup)).size(),
      2u);
  c.port.reset();
  c.interface = "eth2";
  EXPECT_EQ(
      plan_sync({listed(SyncState::kBackup)}, desired_sync_daemons(&c, SyncRole::kBackup)).size(),
      2u);
}

TEST(SyncPlan, StopsEverythingWhenSyncIsRemoved) {
  auto ops = plan_sync({listed(SyncState::kMaster), listed(SyncState::kBackup)}, {});
  EXPECT_EQ(described(ops),
            (std::vector<std::string>{"stop sync daemon master", "stop sync daemon backup"}));
}

TEST(SyncMatches, UnsetOptionsAcceptTheKernelDefaultsButSetOnesMustBeEqual) {
  SyncDaemon wanted;
  wanted.state = SyncState::kBackup;
  wanted.interface = "eth1";
  wanted.sync_id = 7;
  EXPECT_TRUE(sync_daemon_matches(listed(SyncState::kBackup), wanted));
  wanted.ttl = 2;
  EXPECT_FALSE(sync_daemon_matches(listed(SyncState::kBackup), wanted));
  wanted.ttl = 1;
  wanted.max_length = 1000;
  EXPECT_FALSE(sync_daemon_matches(listed(SyncState::kBackup), wanted));
  wanted.max_length = 0;
  wanted.group = *IpAddress::parse("239.0.0.1");
  EXPECT_FALSE(sync_daemon_matches(listed(SyncState::kBackup), wanted));
  EXPECT_FALSE(sync_daemon_matches(listed(SyncState::kMaster), wanted));
}

}  // namespace
}  // namespace hadirector::ipvs
