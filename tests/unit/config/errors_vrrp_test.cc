// One test per error message of the `vrrp` section: scripts, instances, sync groups.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/config/config_test_util.h"

namespace hadirector::config::testing {
namespace {

using ::testing::ElementsAre;

// Lines 1-5: two valid instances, a (vrid 1) and b (vrid 2), on eth0.
const std::string kTwoInstances =
    "version: 1\n"
    "vrrp:\n"
    "  instances:\n"
    "    - {name: a, interface: eth0, vrid: 1, virtual_addresses: [192.0.2.1]}\n"
    "    - {name: b, interface: eth0, vrid: 2, virtual_addresses: [192.0.2.2]}\n";

std::string script(const std::string& flow_map) {
  return "version: 1\nvrrp:\n  scripts:\n    - " + flow_map + "\n";
}

std::string instance_v6(const std::string& extra) {
  return "version: 1\nvrrp:\n  instances:\n    - name: web\n      interface: eth0\n"
         "      vrid: 51\n      virtual_addresses: [2001:db8::100]\n" +
         indent(extra, 6);
}

TEST(VrrpConfigErrors, DuplicateScriptName) {
  EXPECT_THAT(errors_of("version: 1\nvrrp:\n  scripts:\n    - {name: chk, command: [/bin/true]}\n"
                        "    - {name: chk, command: [/bin/true]}\n"),
              ElementsAre("t.yaml:5:14: duplicate vrrp script name 'chk' (first at 4:14)"));
}

TEST(VrrpConfigErrors, DuplicateInstanceName) {
  EXPECT_THAT(
      errors_of("version: 1\nvrrp:\n  instances:\n"
                "    - {name: web, interface: eth0, vrid: 1, virtual_addresses: [192.0.2.1]}\n"
                "    - {name: web, interface: eth0, vrid: 2, virtual_addresses: [192.0.2.2]}\n"),
      ElementsAre("t.yaml:5:14: duplicate vrrp instance name 'web' (first at 4:14)"));
}

TEST(VrrpConfigErrors, DuplicateVridOnSameInterfaceAndFamily) {
  EXPECT_THAT(
      errors_of("version: 1\nvrrp:\n  instances:\n"
                "    - {name: a, interface: eth0, vrid: 1, virtual_addresses: [192.0.2.1]}\n"
                "    - {name: b, interface: eth0, vrid: 1, virtual_addresses: [192.0.2.2]}\n"),
      ElementsAre("t.yaml:5:40: vrid 1 is already used on eth0 (IPv4) by instance 'a' at 4:40"));
}

TEST(VrrpConfigErrors, DuplicateSyncGroupName) {
  EXPECT_THAT(errors_of(kTwoInstances + "  sync_groups:\n    - {name: g, instances: [a]}\n"
                                        "    - {name: g, instances: [b]}\n"),
              ElementsAre("t.yaml:8:14: duplicate sync group name 'g' (first at 7:14)"));
}

TEST(VrrpConfigErrors, ShellScriptNeedsOneString) {
  EXPECT_THAT(errors_of(script("{name: chk, shell: true, command: [a, b]}")),
              ElementsAre("t.yaml:4:41: with 'shell: true', 'command' must be one string run "
                          "by /bin/sh -c, got a list"));
}

TEST(VrrpConfigErrors, CommandLineWithoutShell) {
  EXPECT_THAT(errors_of(script("{name: chk, command: pgrep haproxy}")),
              ElementsAre("t.yaml:4:28: 'command' must be a list (argv); to run a shell command "
                          "line, set 'shell: true'"));
}

TEST(VrrpConfigErrors, EmptyCommand) {
  EXPECT_THAT(errors_of(script("{name: chk, command: []}")),
              ElementsAre("t.yaml:4:28: 'command' must not be empty"));
}

TEST(VrrpConfigErrors, TimeoutLongerThanInterval) {
  EXPECT_THAT(errors_of(script("{name: chk, command: [a], interval: 1s, timeout: 2s}")),
              ElementsAre("t.yaml:4:56: 'timeout' (2s) must not be longer than 'interval' (1s)"));
}

TEST(VrrpConfigErrors, ZeroInterval) {
  EXPECT_THAT(errors_of(script("{name: chk, command: [a], interval: 0s}")),
              ElementsAre("t.yaml:4:43: 'interval' must be longer than 0s"));
}

TEST(VrrpConfigErrors, ZeroTimeout) {
  EXPECT_THAT(errors_of(script("{name: chk, command: [a], timeout: 0s}")),
              ElementsAre("t.yaml:4:42: 'timeout' must be longer than 0s"));
}

TEST(VrrpConfigErrors, SyncGroupListsUnknownInstance) {
  EXPECT_THAT(errors_of(kTwoInstances + "  sync_groups:\n    - {name: g, instances: [c]}\n"),
              ElementsAre("t.yaml:7:29: sync group 'g' lists 'c', which is not a vrrp instance"));
}

TEST(VrrpConfigErrors, InstanceInTwoSyncGroups) {
  EXPECT_THAT(errors_of(kTwoInstances + "  sync_groups:\n    - {name: g, instances: [a]}\n"
                                        "    - {name: h, instances: [a]}\n"),
              ElementsAre("t.yaml:8:29: vrrp instance 'a' is already in sync group 'g'"));
}

TEST(VrrpConfigErrors, UnknownSyncGroupNotifyKey) {
  EXPECT_THAT(errors_of(kTwoInstances + "  sync_groups:\n    - {name: g, instances: [a],"
                                        " notify: {master: [/bin/n], slave: [/bin/n]}}\n"),
              ElementsAre(::testing::HasSubstr("slave")));
}

TEST(VrrpConfigErrors, EmptySyncGroup) {
  EXPECT_THAT(errors_of(kTwoInstances + "  sync_groups:\n    - {name: g, instances: []}\n"),
              ElementsAre("t.yaml:7:28: sync group 'instances' must list at least one instance"));
}

TEST(VrrpConfigErrors, NoVirtualAddresses) {
  EXPECT_THAT(errors_of("version: 1\nvrrp:\n  instances:\n    - name: web\n      interface: "
                        "eth0\n      vrid: 51\n      virtual_addresses: []\n"),
              ElementsAre("t.yaml:7:26: 'virtual_addresses' must list at least one address"));
}

TEST(VrrpConfigErrors, MixedFamilyVirtualAddresses) {
  EXPECT_THAT(errors_of("version: 1\nvrrp:\n  instances:\n    - name: web\n      interface: "
                        "eth0\n      vrid: 51\n      virtual_addresses: [192.0.2.100/24, "
                        "2001:db8::1]\n"),
              ElementsAre("t.yaml:7:43: virtual address 2001:db8::1/128 is IPv6 but the "
                          "instance's first address is IPv4; use one instance per family"));
}

TEST(VrrpConfigErrors, AdvertIntervalOutOfV3Range) {
  EXPECT_THAT(errors_of(with_instance("advert_interval: 50s")),
              ElementsAre("t.yaml:8:24: 'advert_interval' must be between 10ms and 40950ms for "
                          "VRRPv3, got 50s"));
}

TEST(VrrpConfigErrors, AdvertIntervalNotInCentiseconds) {
  EXPECT_THAT(errors_of(with_instance("advert_interval: 15ms")),
              ElementsAre("t.yaml:8:24: 'advert_interval' must be a multiple of 10ms for VRRPv3, "
                          "got 15ms"));
}

TEST(VrrpConfigErrors, AdvertIntervalNotWholeSecondsForV2) {
  EXPECT_THAT(errors_of(with_instance("version: 2\nadvert_interval: 100ms")),
              ElementsAre("t.yaml:9:24: 'advert_interval' must be whole seconds from 1s to 255s "
                          "for VRRPv2, got 100ms"));
}

TEST(VrrpConfigErrors, V2WithIpv6) {
  EXPECT_THAT(errors_of(instance_v6("version: 2")),
              ElementsAre("t.yaml:8:16: VRRPv2 carries IPv4 only; use 'version: 3' for IPv6 "
                          "addresses"));
}

TEST(VrrpConfigErrors, VersionMustBeTwoOrThree) {
  EXPECT_THAT(errors_of(with_instance("version: 4")),
              ElementsAre("t.yaml:8:16: 'version' must be 2 or 3, got '4'"));
}

TEST(VrrpConfigErrors, ChecksumChoiceOnlyForV3Ipv4) {
  EXPECT_THAT(errors_of(with_instance("version: 2\nchecksum_pseudo_header: false")),
              ElementsAre("t.yaml:9:31: 'checksum_pseudo_header' applies to VRRPv3 over IPv4 "
                          "only"));
}

TEST(VrrpConfigErrors, AcceptModeNeedsV3) {
  EXPECT_THAT(errors_of(with_instance("version: 2\naccept: true")),
              ElementsAre("t.yaml:9:15: 'accept' mode is a VRRPv3 feature; use 'version: 3'"));
}

TEST(VrrpConfigErrors, AuthPasswordOnlyForV2) {
  EXPECT_THAT(errors_of(with_instance("auth_password: secret")),
              ElementsAre("t.yaml:8:22: 'auth_password' applies to VRRPv2 only; VRRPv3 has no "
                          "authentication"));
}

TEST(VrrpConfigErrors, AuthPasswordTooLong) {
  EXPECT_THAT(errors_of(with_instance("version: 2\nauth_password: 123456789")),
              ElementsAre("t.yaml:9:22: 'auth_password' must be at most 8 characters"));
}

TEST(VrrpConfigErrors, UnicastWithoutPeersIsNotMulticast) {
  EXPECT_THAT(errors_of(with_instance("unicast: {source: 192.0.2.1, peers: []}")),
              ElementsAre("t.yaml:8:43: unicast needs at least one peer in 'peers'; remove "
                          "'unicast' for multicast"));
}

TEST(VrrpConfigErrors, UnicastPeerOfOtherFamily) {
  EXPECT_THAT(errors_of(with_instance("unicast: {peers: [2001:db8::2]}")),
              ElementsAre("t.yaml:8:25: unicast peer 2001:db8::2 is IPv6 but the instance is "
                          "IPv4"));
}

TEST(VrrpConfigErrors, TrackedScriptNotDefined) {
  EXPECT_THAT(errors_of(with_instance("track: {scripts: [{name: nope}]}")),
              ElementsAre("t.yaml:8:32: track script 'nope' is not defined in vrrp.scripts"));
}

TEST(VrrpConfigErrors, TrackedVirtualServerNotDefined) {
  EXPECT_THAT(errors_of(with_instance("track: {virtual_servers: [{name: nope}]}")),
              ElementsAre("t.yaml:8:40: track virtual server 'nope' is not defined in "
                          "virtual_servers"));
}

}  // namespace
}  // namespace hadirector::config::testing
