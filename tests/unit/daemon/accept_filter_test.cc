// VRRP accept mode as nftables text (accept_ruleset.h) and its glue (accept_filter.h) with a
// recording runner: which VIPs are closed, what is exempt, v4/v6, fwmark, the owner and
// accept: true left open, install only on change, removal, and the status fields.
#include "daemon/accept_filter.h"

#include <gtest/gtest.h>

#include "daemon/accept_ruleset.h"
#include "daemon/config/loader.h"

namespace hadirector::daemon {
namespace {

config::Config parse(const std::string& yaml) {
  auto c = config::parse_text(yaml, "test.yaml");
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().front().to_string());
  return c ? *c : config::Config{};
}

std::string instance(const std::string& name, int vrid, const std::string& vips,
                     const std::string& extra = "") {
  return "    - {name: " + name + ", interface: eth0, vrid: " + std::to_string(vrid) +
         ", virtual_addresses: [" + vips + "]" + extra + "}\n";
}

std::string vrrp(const std::string& instances) {
  return "version: 1\nvrrp:\n  instances:\n" + instances;
}

const std::string kWebVs = R"(virtual_servers:
  - name: web
    address: 192.0.2.100:80
    protocol: tcp
    real_servers: [{address: 198.51.100.11:80}]
  - name: dns
    address: 192.0.2.100:53
    protocol: udp
    real_servers: [{address: 198.51.100.11:53}]
  - name: elsewhere
    address: 203.0.113.5:443
    real_servers: [{address: 198.51.100.11:443}]
)";

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(AcceptRuleset, AcceptFalseClosesTheVipsAndExemptsTheirVirtualServers) {
  auto plan = plan_accept_filter(parse(vrrp(instance("web", 51, "192.0.2.100/24")) + kWebVs));
  ASSERT_EQ(plan.filtered_instances, std::vector<std::string>{"web"});
  const auto& t = plan.ruleset;
  EXPECT_TRUE(has(t, "set vips4 { type ipv4_addr; elements = { 192.0.2.100 }; }")) << t;
  EXPECT_TRUE(has(t, "elements = { 192.0.2.100 . tcp . 80, 192.0.2.100 . udp . 53 }")) << t;
  // A virtual server on an address no instance closes needs no exemption.
  EXPECT_FALSE(has(t, "203.0.113.5")) << t;
  EXPECT_TRUE(has(t, "ip daddr @vips4 goto vip4")) << t;
  EXPECT_TRUE(has(t, "counter drop")) << t;
}

TEST(AcceptRuleset, ReplacesOnlyItsOwnTableInOneTransaction) {
  auto plan = plan_accept_filter(parse(vrrp(instance("web", 51, "192.0.2.100/24"))));
  const auto& t = plan.ruleset;
  EXPECT_EQ(
      t.rfind("table inet hadirector {}\ndelete table inet hadirector\ntable inet hadirector {\n",
              0),
      0u)
      << t;
  EXPECT_FALSE(has(t, "flush ruleset")) << t;
  // Before IPVS's LOCAL_IN hooks (priority 98 and up), so the exemptions decide.
  EXPECT_TRUE(has(t, "type filter hook input priority filter; policy accept;")) << t;
}

TEST(AcceptRuleset, AcceptTrueAndTheOwnerLeaveVipsOpen) {
  auto plan =
      plan_accept_filter(parse(vrrp(instance("open", 51, "192.0.2.100/24", ", accept: true") +
                                    instance("owner", 52, "192.0.2.101/24", ", priority: 255"))));
  EXPECT_TRUE(plan.filtered_instances.empty());
  EXPECT_TRUE(plan.ruleset.empty());
}

TEST(AcceptRuleset, Vrrpv2VipsStayOpenSinceV2CannotTurnAcceptModeOn) {
  auto plan = plan_accept_filter(parse(vrrp(instance("v2", 51, "192.0.2.100/24", ", version: 2"))));
  EXPECT_TRUE(plan.filtered_instances.empty());
  EXPECT_TRUE(plan.ruleset.empty());
}

TEST(AcceptRuleset, OwnerIsExcludedWhileOtherInstancesAreClosed) {
  auto plan =
      plan_accept_filter(parse(vrrp(instance("owner", 52, "192.0.2.101/24", ", priority: 255") +
                                    instance("web", 51, "192.0.2.100/24"))));
  EXPECT_EQ(plan.filtered_instances, std::vector<std::string>{"web"});
  EXPECT_FALSE(has(plan.ruleset, "192.0.2.101")) << plan.ruleset;
  EXPECT_TRUE(has(plan.ruleset, "192.0.2.100")) << plan.ruleset;
}

TEST(AcceptRuleset, AVipListedByAnAcceptingInstanceStaysOpen) {
  auto plan =
      plan_accept_filter(parse(vrrp(instance("a", 51, "192.0.2.100/24, 192.0.2.102/24") +
                                    instance("b", 52, "192.0.2.100/24", ", accept: true"))));
  EXPECT_EQ(plan.filtered_instances, std::vector<std::string>{"a"});
  EXPECT_TRUE(has(plan.ruleset, "elements = { 192.0.2.102 }")) << plan.ruleset;
  EXPECT_FALSE(has(plan.ruleset, "192.0.2.100")) << plan.ruleset;
}

TEST(AcceptRuleset, Ipv6VipsGetTheirOwnSetsAndKeepNeighbourDiscovery) {
  const std::string vs = R"(virtual_servers:
  - name: web6
    address: "[2001:db8::100]:443"
    protocol: tcp
    real_servers: [{address: "[2001:db8:1::11]:443"}]
)";
  auto plan = plan_accept_filter(parse(vrrp(instance("web6", 61, "2001:db8::100/64")) + vs));
  const auto& t = plan.ruleset;
  EXPECT_TRUE(has(t, "set vips6 { type ipv6_addr; elements = { 2001:db8::100 }; }")) << t;
  EXPECT_TRUE(has(t, "elements = { 2001:db8::100 . tcp . 443 }")) << t;
  EXPECT_TRUE(has(t, "set vips4 { type ipv4_addr; }")) << t;
  EXPECT_TRUE(has(t, "ip6 daddr @vips6 goto vip6")) << t;
  EXPECT_TRUE(has(t, "nd-neighbor-solicit")) << t;
  EXPECT_TRUE(has(t, "packet-too-big")) << t;
}

TEST(AcceptRuleset, FwmarkServicesAreExemptByMark) {
  const std::string vs = R"(virtual_servers:
  - name: marked
    fwmarks: [7, 9]
    real_servers: [{address: 198.51.100.11:80}]
)";
  auto plan = plan_accept_filter(parse(vrrp(instance("web", 51, "192.0.2.100/24")) + vs));
  EXPECT_TRUE(has(plan.ruleset, "set marks { type mark; elements = { 7, 9 }; }")) << plan.ruleset;
  EXPECT_TRUE(has(plan.ruleset, "meta mark @marks accept")) << plan.ruleset;
}

TEST(AcceptRuleset, GroupMembersOnAClosedVipAreAllExempt) {
  const std::string vs = R"(virtual_servers:
  - name: group
    addresses: [192.0.2.100:80, 192.0.2.100:8080, 192.0.2.200:80]
    real_servers: [{address: 198.51.100.11:80}]
)";
  auto plan = plan_accept_filter(parse(vrrp(instance("web", 51, "192.0.2.100/24")) + vs));
  EXPECT_TRUE(has(plan.ruleset, "192.0.2.100 . tcp . 80, 192.0.2.100 . tcp . 8080 }"))
      << plan.ruleset;
  EXPECT_FALSE(has(plan.ruleset, "192.0.2.200")) << plan.ruleset;
}

TEST(AcceptRuleset, RemovalTouchesOnlyItsTableAndIsValidWhenAbsent) {
  EXPECT_EQ(accept_table_removal(), "table inet hadirector {}\ndelete table inet hadirector\n");
}

struct Recorder {
  std::vector<std::string> runs;
  bool fail = false;
  AcceptFilter filter() {
    return AcceptFilter([this](const std::string& text) -> core::Status {
      runs.push_back(text);
      if (fail) return core::fail(core::Errc::kSystem, "nftables: Operation not supported");
      return {};
    });
  }
};

nlohmann::json status_of(const AcceptFilter& f, const config::Config& c) {
  nlohmann::json instances = nlohmann::json::array();
  for (const auto& i : c.vrrp.instances) instances.push_back({{"name", i.name}});
  f.annotate(instances);
  return instances;
}

TEST(AcceptFilter, InstallsOnceAndAgainOnlyWhenTheRulesetChanges) {
  Recorder r;
  auto f = r.filter();
  auto closed = parse(vrrp(instance("web", 51, "192.0.2.100/24")) + kWebVs);
  f.apply(closed);
  f.apply(closed);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0], plan_accept_filter(closed).ruleset);
  auto open = parse(vrrp(instance("web", 51, "192.0.2.100/24", ", accept: true")) + kWebVs);
  f.apply(open);
  ASSERT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.runs[1], accept_table_removal());
  f.apply(open);
  EXPECT_EQ(r.runs.size(), 2u);
}

TEST(AcceptFilter, StatusShowsEnforcedWhenInstalled) {
  Recorder r;
  auto f = r.filter();
  auto c = parse(vrrp(instance("web", 51, "192.0.2.100/24") +
                      instance("open", 52, "192.0.2.101/24", ", accept: true") +
                      instance("owner", 53, "192.0.2.102/24", ", priority: 255")));
  f.apply(c);
  auto s = status_of(f, c);
  EXPECT_EQ(s[0]["accept"], false);
  EXPECT_EQ(s[0]["accept_enforced"], true);
  EXPECT_EQ(s[1]["accept"], true);
  EXPECT_EQ(s[1]["accept_enforced"], true);
  EXPECT_EQ(s[2]["accept"], true);  // the owner always accepts (RFC 5798 §6.4.3)
}

TEST(AcceptFilter, WithoutNftablesStatusShowsNotEnforcedAndAReloadRetries) {
  Recorder r;
  r.fail = true;
  auto f = r.filter();
  auto c = parse(vrrp(instance("web", 51, "192.0.2.100/24")));
  f.apply(c);
  auto s = status_of(f, c);
  EXPECT_EQ(s[0]["accept"], false);
  EXPECT_EQ(s[0]["accept_enforced"], false);
  r.fail = false;
  f.apply(c);  // a later reload tries again
  EXPECT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(status_of(f, c)[0]["accept_enforced"], true);
}

TEST(AcceptFilter, RemoveDeletesTheTableOnlyWhenItInstalledOne) {
  Recorder r;
  auto f = r.filter();
  f.remove();
  EXPECT_TRUE(r.runs.empty());
  f.apply(parse(vrrp(instance("web", 51, "192.0.2.100/24"))));
  f.remove();
  ASSERT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.runs[1], accept_table_removal());
}

TEST(AcceptFilter, WithoutNfTablesInTheKernelNothingToCloseAsksNothing) {
  Recorder r;
  AcceptFilter f(
      [&](const std::string& text) -> core::Status {
        r.runs.push_back(text);
        return {};
      },
      [] { return false; });
  f.apply(parse(vrrp(instance("open", 51, "192.0.2.100/24", ", accept: true"))));
  EXPECT_TRUE(r.runs.empty());
  f.apply(parse(vrrp(instance("web", 51, "192.0.2.100/24"))));  // closing loads it
  EXPECT_EQ(r.runs.size(), 1u);
}

TEST(AcceptFilter, StartWithNothingToCloseRemovesAStaleTable) {
  Recorder r;
  auto f = r.filter();
  f.apply(parse(vrrp(instance("open", 51, "192.0.2.100/24", ", accept: true"))));
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0], accept_table_removal());
}

}  // namespace
}  // namespace hadirector::daemon
