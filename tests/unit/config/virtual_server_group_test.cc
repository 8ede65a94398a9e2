// Virtual-server groups (`addresses:` and `fwmarks:` lists): what they parse to, one test per
// error message, services claimed by two virtual servers, dump round trip and reload diff.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/config/config_test_util.h"

namespace hadirector::config::testing {
namespace {

using ::testing::ElementsAre;

// A group of two addresses and a fwmark; `extra` lines become keys of the virtual server.
std::string group(const std::string& addresses, const std::string& extra = "") {
  return "version: 1\n"
         "virtual_servers:\n"
         "  - name: web\n"
         "    addresses: " +
         addresses + "\n" + indent(extra, 4) +
         "    real_servers:\n"
         "      - address: 198.51.100.11\n";
}

Config must_parse(const std::string& yaml) {
  auto result = parse_text(yaml, "t.yaml");
  EXPECT_TRUE(result) << (result ? "" : result.error().front().to_string());
  return result ? *result : Config{};
}

TEST(VirtualServerGroup, AddressesAndFwmarksBecomeMembers) {
  Config c = must_parse(group("[192.0.2.1:80, 192.0.2.2:8080]", "fwmarks: [7, 9]"));
  ASSERT_EQ(c.virtual_servers.size(), 1u);
  const VirtualServer& vs = c.virtual_servers[0];
  EXPECT_EQ(vs.address->to_string(), "192.0.2.1:80");
  ASSERT_EQ(vs.more_addresses.size(), 1u);
  EXPECT_EQ(vs.more_addresses[0].to_string(), "192.0.2.2:8080");
  EXPECT_FALSE(vs.fwmark);
  EXPECT_THAT(vs.more_fwmarks, ElementsAre(7u, 9u));
}

TEST(VirtualServerGroup, FwmarksAloneMakeAFwmarkGroup) {
  Config c = must_parse(
      "version: 1\nvirtual_servers:\n  - {name: m, fwmarks: [3, 4], real_servers: []}\n");
  EXPECT_EQ(c.virtual_servers[0].fwmark, 3u);
  EXPECT_THAT(c.virtual_servers[0].more_fwmarks, ElementsAre(4u));
}

TEST(VirtualServerGroup, AddressAndAddressesTogether) {
  EXPECT_THAT(errors_of(group("[192.0.2.1:80]", "address: 192.0.2.3:80")),
              ElementsAre("t.yaml:4:16: set either 'address' or 'addresses', not both"));
}

TEST(VirtualServerGroup, FwmarkAndFwmarksTogether) {
  EXPECT_THAT(errors_of(group("[192.0.2.1:80]", "fwmark: 1\nfwmarks: [2]")),
              ElementsAre("t.yaml:6:14: set either 'fwmark' or 'fwmarks', not both"));
}

TEST(VirtualServerGroup, EmptyList) {
  EXPECT_THAT(errors_of(group("[]")),
              ElementsAre("t.yaml:4:16: 'addresses' needs at least one entry"));
}

TEST(VirtualServerGroup, AddressListedTwice) {
  EXPECT_THAT(errors_of(group("[192.0.2.1:80, 192.0.2.1:80]")),
              ElementsAre("t.yaml:4:31: address 192.0.2.1:80 is listed twice (first at 4:17)"));
}

TEST(VirtualServerGroup, FwmarkListedTwice) {
  EXPECT_THAT(errors_of(group("[192.0.2.1:80]", "fwmarks: [5, 5]")),
              ElementsAre("t.yaml:5:18: fwmark 5 is listed twice (first at 5:15)"));
}

TEST(VirtualServerGroup, MixedFamilies) {
  EXPECT_THAT(errors_of(group("[192.0.2.1:80, '[2001:db8::1]:80']")),
              ElementsAre("t.yaml:4:31: address [2001:db8::1]:80 is IPv6 but the first address "
                          "is IPv4; a group has one family"));
}

TEST(VirtualServerGroup, BadMemberNamesTheMember) {
  EXPECT_THAT(errors_of(group("[192.0.2.1:80, 192.0.2.300:80]")).size(), 1u);
  EXPECT_EQ(errors_of(group("[192.0.2.1:80, 192.0.2.300:80]"))[0].substr(0, 12), "t.yaml:4:31:");
}

TEST(VirtualServerGroup, ServiceClaimedByTwoVirtualServers) {
  EXPECT_THAT(errors_of("version: 1\nvirtual_servers:\n"
                        "  - {name: a, addresses: [192.0.2.1:80, 192.0.2.2:80]}\n"
                        "  - {name: b, address: 192.0.2.2:80}\n"
                        "  - {name: c, address: 192.0.2.2:80, protocol: udp}\n"),
              ElementsAre("t.yaml:4:24: service tcp 192.0.2.2:80 of virtual server 'b' is already "
                          "configured in virtual server 'a' (at 3:26)"));
}

TEST(VirtualServerGroup, FwmarkClaimedTwiceInOneFamily) {
  EXPECT_THAT(errors_of("version: 1\nvirtual_servers:\n"
                        "  - {name: a, fwmark: 5}\n"
                        "  - {name: b, fwmarks: [6, 5]}\n"),
              ElementsAre("t.yaml:4:24: service fwmark 5 of virtual server 'b' is already "
                          "configured in virtual server 'a' (at 3:23)"));
}

TEST(VirtualServerGroup, DumpRoundTripsAndReadsBackEqual) {
  for (const std::string& yaml :
       {group("[192.0.2.1:80, 192.0.2.2:8080]", "fwmarks: [7, 9]"),
        group("[192.0.2.1:80]", "fwmarks: [7]"), group("[192.0.2.1:80, 192.0.2.9:80]"),
        std::string("version: 1\nvirtual_servers:\n  - {name: m, fwmarks: [3, 4]}\n")}) {
    Config c = must_parse(yaml);
    const std::string dumped = dump_yaml(c);
    auto again = parse_text(dumped, "dump.yaml");
    ASSERT_TRUE(again) << again.error().front().to_string() << "\n" << dumped;
    EXPECT_TRUE(*again == c) << dumped;
    EXPECT_EQ(dump_yaml(*again), dumped);
  }
}

TEST(VirtualServerGroup, AddingAMemberChangesTheVirtualServerOnReload) {
  Config before = must_parse(group("[192.0.2.1:80]"));
  Config after = must_parse(group("[192.0.2.1:80, 192.0.2.2:80]"));
  ConfigDiff d = diff(before, after);
  EXPECT_THAT(d.virtual_servers_changed, ElementsAre("web"));
  EXPECT_TRUE(d.virtual_servers_added.empty());
}

}  // namespace
}  // namespace hadirector::config::testing
