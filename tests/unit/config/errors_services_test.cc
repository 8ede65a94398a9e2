// One test per error message of the `virtual_servers` and `sync` sections.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/config/config_test_util.h"

namespace hadirector::config::testing {
namespace {

using ::testing::ElementsAre;

const std::string kTwoRealServers =
    "version: 1\nvirtual_servers:\n  - name: web-http\n    address: 192.0.2.100:80\n"
    "    real_servers:\n      - address: 198.51.100.11:80\n";

TEST(VirtualServerConfigErrors, DuplicateName) {
  EXPECT_THAT(errors_of("version: 1\nvirtual_servers:\n  - {name: w, address: 192.0.2.1:80}\n"
                        "  - {name: w, address: 192.0.2.1:81}\n"),
              ElementsAre("t.yaml:4:12: duplicate virtual server name 'w' (first at 3:12)"));
}

TEST(VirtualServerConfigErrors, AddressAndFwmarkTogether) {
  EXPECT_THAT(errors_of(with_virtual_server("fwmark: 1")),
              ElementsAre("t.yaml:7:13: set either 'address' (with 'protocol') or 'fwmark', not "
                          "both"));
}

TEST(VirtualServerConfigErrors, NeitherAddressNorFwmark) {
  EXPECT_THAT(errors_of("version: 1\nvirtual_servers:\n  - name: w\n"),
              ElementsAre("t.yaml:3:5: virtual server needs 'address' (ADDRESS:PORT) or "
                          "'fwmark'"));
}

TEST(VirtualServerConfigErrors, ProtocolWithFwmark) {
  EXPECT_THAT(errors_of("version: 1\nvirtual_servers:\n  - {name: w, fwmark: 1, protocol: udp}\n"),
              ElementsAre("t.yaml:3:36: 'protocol' does not apply to a fwmark service"));
}

TEST(VirtualServerConfigErrors, SchedulerFlagForOtherScheduler) {
  EXPECT_THAT(errors_of(with_virtual_server("scheduler_flags: [sh-port]")),
              ElementsAre("t.yaml:7:23: scheduler flag 'sh-port' needs 'scheduler: sh'"));
}

TEST(VirtualServerConfigErrors, PersistenceTimeoutNotWholeSeconds) {
  EXPECT_THAT(errors_of(with_virtual_server("persistence: {timeout: 1500ms}")),
              ElementsAre("t.yaml:7:28: persistence 'timeout' must be whole seconds, at least "
                          "1s, got 1500ms"));
}

TEST(VirtualServerConfigErrors, NetmaskNotContiguous) {
  EXPECT_THAT(errors_of(with_virtual_server("persistence: {netmask: 255.0.255.0}")),
              ElementsAre("t.yaml:7:28: 'netmask' 255.0.255.0 is not a contiguous mask such as "
                          "255.255.255.0"));
}

TEST(VirtualServerConfigErrors, NetmaskOfOtherFamily) {
  EXPECT_THAT(errors_of(with_virtual_server("persistence:\n  netmask: 'ffff:ffff::'")),
              ElementsAre("t.yaml:8:16: 'netmask' is IPv6 but the virtual server is IPv4"));
}

TEST(VirtualServerConfigErrors, MaxEjectedNotAPercentage) {
  EXPECT_THAT(errors_of(with_virtual_server("max_ejected: 150%")),
              ElementsAre("t.yaml:7:18: 'max_ejected' must be a percentage from 0% to 100% such "
                          "as 50%, got '150%'"));
}

TEST(VirtualServerConfigErrors, RealServerListedTwice) {
  EXPECT_THAT(errors_of(kTwoRealServers + "      - address: 198.51.100.11:80\n"),
              ElementsAre("t.yaml:7:18: real server 198.51.100.11:80 is listed twice in virtual "
                          "server 'web-http' (first at 6:18)"));
}

TEST(VirtualServerConfigErrors, RealServerOfOtherFamilyWithoutTun) {
  EXPECT_THAT(errors_of(kTwoRealServers + "      - address: '[2001:db8::11]:80'\n"),
              ElementsAre("t.yaml:7:18: real server [2001:db8::11]:80 is IPv6 but virtual server "
                          "'web-http' is IPv4; only tun forwarding mixes families"));
}

TEST(VirtualServerConfigErrors, LowerThresholdNotBelowUpper) {
  EXPECT_THAT(errors_of(with_real_server("upper_threshold: 10\nlower_threshold: 10")),
              ElementsAre("t.yaml:8:26: 'lower_threshold' must be below 'upper_threshold'"));
}

TEST(VirtualServerConfigErrors, CheckNotAMap) {
  EXPECT_THAT(errors_of(with_real_server("checks: [tcp]")),
              ElementsAre("t.yaml:7:18: check must be a map, got a string"));
}

TEST(VirtualServerConfigErrors, TunnelTypeWithoutTun) {
  EXPECT_THAT(errors_of(with_virtual_server("tunnel_type: gue")),
              ElementsAre("t.yaml:7:18: 'tunnel_type' needs 'forwarding: tun'"));
}

TEST(VirtualServerConfigErrors, FollowInstanceNotDefined) {
  EXPECT_THAT(errors_of(with_virtual_server("follow_instance: nope")),
              ElementsAre("t.yaml:7:22: follow_instance 'nope' is not a vrrp instance"));
}

TEST(VirtualServerConfigErrors, CheckTimeoutLongerThanInterval) {
  EXPECT_THAT(errors_of(with_real_server("checks:\n  - {type: tcp, interval: 1s, timeout: 3s}")),
              ElementsAre("t.yaml:8:48: 'timeout' (3s) must not be longer than 'interval' (1s)"));
}

TEST(VirtualServerConfigErrors, CheckWithoutType) {
  EXPECT_THAT(errors_of(with_real_server("checks:\n  - {rise: 1}")),
              ElementsAre("t.yaml:8:13: missing required key 'type' in check"));
}

TEST(SyncConfigErrors, FollowInstanceAndModeBoth) {
  EXPECT_THAT(
      errors_of(with_instance("") + "sync: {interface: eth1, follow_instance: web, mode: both}\n"),
      ElementsAre("t.yaml:8:53: set either 'follow_instance' or 'mode: both', not both"));
}

TEST(SyncConfigErrors, NeitherFollowInstanceNorMode) {
  EXPECT_THAT(errors_of(with_instance("") + "sync: {interface: eth1}\n"),
              ElementsAre("t.yaml:8:7: sync needs 'follow_instance: INSTANCE' or 'mode: both'"));
}

TEST(SyncConfigErrors, FollowInstanceNotDefined) {
  EXPECT_THAT(errors_of(with_instance("") + "sync: {interface: eth1, follow_instance: nope}\n"),
              ElementsAre("t.yaml:8:42: follow_instance 'nope' is not a vrrp instance"));
}

TEST(SyncConfigErrors, McastGroupNotMulticast) {
  EXPECT_THAT(errors_of(with_instance("") +
                        "sync: {interface: eth1, mode: both, mcast_group: 192.0.2.1}\n"),
              ElementsAre("t.yaml:8:50: 'mcast_group' must be a multicast address"));
}

const std::string kSyncSysctls =
    "sync:\n  interface: eth1\n  mode: both\n  sysctls:\n";  // lines 8-11

TEST(SyncConfigErrors, SyncThresholdNotAPair) {
  EXPECT_THAT(errors_of(with_instance("") + kSyncSysctls + "    sync_threshold: 3\n"),
              ElementsAre("t.yaml:12:21: 'sync_threshold' must be a list of two integers "
                          "[THRESHOLD, PERIOD], got a string"));
}

TEST(SyncConfigErrors, SyncThresholdNotBelowPeriod) {
  EXPECT_THAT(errors_of(with_instance("") + kSyncSysctls + "    sync_threshold: [50, 3]\n"),
              ElementsAre("t.yaml:12:21: 'sync_threshold' needs THRESHOLD < PERIOD (or PERIOD "
                          "0)"));
}

TEST(SyncConfigErrors, UnknownSysctlSuggestsName) {
  EXPECT_THAT(errors_of(with_instance("") + kSyncSysctls + "    sync_treshold: [3, 50]\n"),
              ElementsAre("t.yaml:12:5: unknown key 'sync_treshold' in sync sysctls; did you "
                          "mean 'sync_threshold'?"));
}

}  // namespace
}  // namespace hadirector::config::testing
