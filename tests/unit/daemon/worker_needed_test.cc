// Which workers a configuration needs: the supervisor starts and stops the optional ones
// (checker, snmp) by this, at start and on each reload.
#include <gtest/gtest.h>

#include "daemon/supervisor.h"

namespace hadirector::daemon {
namespace {

config::Config vrrp_only() {
  config::Config c;
  c.vrrp.instances.push_back(config::VrrpInstance{});
  return c;
}

TEST(WorkerNeeded, VrrpWorkerAlwaysRuns) {
  EXPECT_TRUE(worker_needed(config::Config{}, "vrrp"));
  EXPECT_TRUE(worker_needed(vrrp_only(), "vrrp"));
}

TEST(WorkerNeeded, CheckerIsNotNeededWithoutVirtualServersOrSync) {
  EXPECT_FALSE(worker_needed(vrrp_only(), "checker"));
  EXPECT_FALSE(worker_needed(config::Config{}, "checker"));
}

TEST(WorkerNeeded, CheckerIsNeededForVirtualServers) {
  config::Config c = vrrp_only();
  c.virtual_servers.push_back(config::VirtualServer{});
  EXPECT_TRUE(worker_needed(c, "checker"));
}

TEST(WorkerNeeded, CheckerIsNeededForConnectionSyncAlone) {
  // The checker worker drives the kernel's sync daemons, virtual servers or not.
  config::Config c = vrrp_only();
  c.sync = config::SyncConfig{};
  EXPECT_TRUE(worker_needed(c, "checker"));
}

TEST(WorkerNeeded, SnmpWorkerOnlyWithItsSection) {
  config::Config c = vrrp_only();
  EXPECT_FALSE(worker_needed(c, "snmp"));
  c.snmp = config::SnmpConfig{};
  EXPECT_TRUE(worker_needed(c, "snmp"));
}

}  // namespace
}  // namespace hadirector::daemon
