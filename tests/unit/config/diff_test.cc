#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/config/config_test_util.h"

namespace hadirector::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kBase =
    "version: 1\n"
    "global: {router_id: lb1}\n"
    "vrrp:\n"
    "  scripts: [{name: s, command: [/bin/true]}]\n"
    "  instances:\n"
    "    - {name: a, interface: eth0, vrid: 1, virtual_addresses: [192.0.2.1]}\n"
    "    - {name: b, interface: eth0, vrid: 2, virtual_addresses: [192.0.2.2]}\n"
    "virtual_servers:\n"
    "  - {name: w, address: 192.0.2.1:80, real_servers: [{address: 198.51.100.1:80}]}\n"
    "  - {name: v, address: 192.0.2.1:81}\n";

Config parse(const std::string& yaml, const std::string& file = "t.yaml") {
  auto result = parse_text(yaml, file);
  EXPECT_TRUE(result);
  return result ? *result : Config{};
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(ConfigDiff, SameContentElsewhereIsEmpty) {
  Config a = parse(kBase, "a.yaml");
  Config b = parse("# moved down a line\n" + kBase, "b.yaml");
  EXPECT_TRUE(a == b);
  EXPECT_TRUE(diff(a, b).empty());
}

TEST(ConfigDiff, InstanceAddedRemovedAndChanged) {
  Config old_config = parse(kBase);
  std::string text =
      replaced(kBase, "{name: a, interface: eth0, vrid: 1,", "{name: c, interface: eth0, vrid: 1,");
  text = replaced(text, "vrid: 2,", "vrid: 2, priority: 200,");
  ConfigDiff d = diff(old_config, parse(text));
  EXPECT_THAT(d.instances_added, ElementsAre("c"));
  EXPECT_THAT(d.instances_removed, ElementsAre("a"));
  EXPECT_THAT(d.instances_changed, ElementsAre("b"));
  EXPECT_THAT(d.virtual_servers_changed, IsEmpty());
  EXPECT_FALSE(d.global_changed);
  EXPECT_FALSE(d.empty());
}

TEST(ConfigDiff, RealServerWeightChangesItsVirtualServerOnly) {
  ConfigDiff d =
      diff(parse(kBase), parse(replaced(kBase, "198.51.100.1:80}", "198.51.100.1:80, weight: 5}")));
  EXPECT_THAT(d.virtual_servers_changed, ElementsAre("w"));
  EXPECT_THAT(d.virtual_servers_added, IsEmpty());
  EXPECT_THAT(d.instances_changed, IsEmpty());
}

TEST(ConfigDiff, VirtualServerAddedAndRemoved) {
  ConfigDiff d = diff(parse(kBase), parse(replaced(kBase, "{name: v,", "{name: u,")));
  EXPECT_THAT(d.virtual_servers_added, ElementsAre("u"));
  EXPECT_THAT(d.virtual_servers_removed, ElementsAre("v"));
}

TEST(ConfigDiff, ScriptChangeIsReported) {
  ConfigDiff d = diff(parse(kBase), parse(replaced(kBase, "[/bin/true]", "[/bin/false]")));
  EXPECT_THAT(d.scripts_changed, ElementsAre("s"));
  EXPECT_THAT(d.instances_changed, IsEmpty());
}

TEST(ConfigDiff, SectionFlags) {
  Config base = parse(kBase);
  EXPECT_TRUE(
      diff(base, parse(replaced(kBase, "router_id: lb1", "router_id: lb2"))).global_changed);
  EXPECT_TRUE(diff(base, parse(kBase + "control: {max_clients: 3}\n")).control_changed);
  EXPECT_TRUE(diff(base, parse(kBase + "snmp:\n")).snmp_changed);
  EXPECT_TRUE(diff(base, parse(kBase + "sync: {interface: eth1, mode: both}\n")).sync_changed);
  ConfigDiff groups = diff(base, parse(replaced(kBase, "virtual_servers:\n",
                                                "  sync_groups: [{name: g, instances: [a]}]\n"
                                                "virtual_servers:\n")));
  EXPECT_TRUE(groups.vrrp_settings_changed);
  EXPECT_FALSE(groups.global_changed);
}

}  // namespace
}  // namespace hadirector::config::testing
