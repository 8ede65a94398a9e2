// NetlinkAddressManager and NetlinkLinkMonitor on the real kernel, in namespaces: VIPs added
// and removed (checked with `ip -j addr show`), idempotency, IFA_F_NODAD, error texts, link
// facts; link down/up and address changes seen within a deadline; an rtnetlink overrun
// repaired by a resync. Needs root; skips otherwise.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "tests/netns/vrrp_io_lab.h"
#include "vrrp/io/netlink_link_monitor.h"
#include "vrrp/io/vmac_manager.h"

namespace hadirector::testing {
namespace {

config::IpPrefix prefix(const char* text) { return *config::IpPrefix::from_string(text); }

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The address's entry in `ip -j addr show`, or null.
nlohmann::json addr_info(NetnsLab& lab, const std::string& ns, const std::string& local) {
  auto doc = nlohmann::json::parse(
      lab.exec_ok(ns, {"ip", "-j", "addr", "show", "dev", "veth0"}).out, nullptr, false);
  if (!doc.is_array()) return nullptr;
  for (const auto& link : doc) {
    for (const auto& a : link.value("addr_info", nlohmann::json::array())) {
      if (a.value("local", "") == local) return a;
    }
  }
  return nullptr;
}

using AddressManagerNetns = VrrpIoLab;

TEST_F(AddressManagerNetns, AddsVipWithLabelAndRemovesIt) {
  auto manager = address_manager(a_);
  ASSERT_TRUE(manager);
  vrrp::AddressOptions options;
  options.label = "veth0:vrrp";
  auto added = manager->add_address("veth0", prefix("192.0.2.100/24"), options);
  ASSERT_TRUE(added) << added.error().message();
  auto info = addr_info(lab_, a_, "192.0.2.100");
  ASSERT_FALSE(info.is_null());
  EXPECT_EQ(info.value("prefixlen", 0), 24);
  EXPECT_EQ(info.value("label", ""), "veth0:vrrp");
  auto listed = manager->addresses("veth0");
  ASSERT_TRUE(listed);
  EXPECT_NE(std::find(listed->begin(), listed->end(), prefix("192.0.2.100/24")), listed->end());

  ASSERT_TRUE(manager->remove_address("veth0", prefix("192.0.2.100/24")));
  EXPECT_FALSE(contains(lab_.addresses(a_, "veth0"), "192.0.2.100/24"));
}

TEST_F(AddressManagerNetns, AddingTwiceAndRemovingTwiceSucceed) {
  auto manager = address_manager(a_);
  ASSERT_TRUE(manager);
  auto vip = prefix("192.0.2.100/32");
  ASSERT_TRUE(manager->add_address("veth0", vip));
  auto again = manager->add_address("veth0", vip);
  EXPECT_TRUE(again) << again.error().message();
  ASSERT_TRUE(manager->remove_address("veth0", vip));
  auto absent = manager->remove_address("veth0", vip);
  EXPECT_TRUE(absent) << absent.error().message();
  EXPECT_FALSE(contains(lab_.addresses(a_, "veth0"), "192.0.2.100/32"));
}

TEST_F(AddressManagerNetns, Ipv6VipIsUsableAtOnceWithoutDad) {
  lab_.exec_ok(a_, {"sysctl", "-qw", "net.ipv6.conf.veth0.accept_dad=1"});
  auto manager = address_manager(a_);
  ASSERT_TRUE(manager);
  ASSERT_TRUE(manager->add_address("veth0", prefix("2001:db8::64/64")));
  auto info = addr_info(lab_, a_, "2001:db8::64");
  ASSERT_FALSE(info.is_null());
  EXPECT_FALSE(info.value("tentative", false)) << info.dump();
  EXPECT_TRUE(info.value("nodad", false)) << info.dump();
  ASSERT_TRUE(manager->remove_address("veth0", prefix("2001:db8::64/64")));
  EXPECT_TRUE(addr_info(lab_, a_, "2001:db8::64").is_null());
}

TEST_F(AddressManagerNetns, ErrorsNameTheVipAndTheInterface) {
  auto manager = address_manager(a_);
  ASSERT_TRUE(manager);
  auto missing = manager->add_address("nope0", prefix("192.0.2.10/24"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message().rfind("add VIP 192.0.2.10/24 on nope0: ", 0), 0u)
      << missing.error().message();
  vrrp::AddressOptions bad;
  bad.label = "other:vrrp";
  auto label = manager->add_address("veth0", prefix("192.0.2.10/24"), bad);
  ASSERT_FALSE(label);
  EXPECT_EQ(label.error().message().rfind("add VIP 192.0.2.10/24 on veth0: label", 0), 0u)
      << label.error().message();
}

TEST_F(AddressManagerNetns, LinkFactsMatchWhatIpReports) {
  auto manager = address_manager(a_);
  ASSERT_TRUE(manager);
  auto link = manager->link("veth0");
  ASSERT_TRUE(link) << link.error().message();
  auto doc = nlohmann::json::parse(lab_.exec_ok(a_, {"ip", "-j", "link", "show", "veth0"}).out);
  EXPECT_EQ(link->ifindex, doc[0].value("ifindex", -1));
  EXPECT_EQ(vrrp::format_mac(link->mac), doc[0].value("address", ""));
  EXPECT_TRUE(link->up);
  EXPECT_TRUE(link->running);
  auto primary = manager->primary_ipv4("veth0");
  ASSERT_TRUE(primary && *primary);
  EXPECT_EQ((*primary)->to_string(), "192.0.2.1");
  EXPECT_EQ(vrrp::address_text(link_local(a_)).rfind("fe80:", 0), 0u);
  EXPECT_EQ(manager->link("nope0").error().code(), core::Errc::kNotFound);
}

class LinkMonitorNetns : public VrrpIoLab {
 protected:
  std::unique_ptr<vrrp::NetlinkLinkMonitor> monitor(int receive_buffer = 1 << 20) {
    NetnsGuard guard(a_);
    auto m = vrrp::NetlinkLinkMonitor::create(*loop_, {.receive_buffer = receive_buffer});
    if (!m) {
      ADD_FAILURE() << m.error().message();
      return nullptr;
    }
    return std::move(*m);
  }
};

TEST_F(LinkMonitorNetns, StartsWithTheCurrentLinkTable) {
  auto m = monitor();
  ASSERT_TRUE(m);
  auto veth = m->link("veth0");
  ASSERT_TRUE(veth);
  EXPECT_EQ(veth->ifindex, lab_.ifindex(a_, "veth0"));
  EXPECT_TRUE(veth->up && veth->running);
}

TEST_F(LinkMonitorNetns, SeesLinkGoDownAndComeBackUp) {
  auto m = monitor();
  ASSERT_TRUE(m);
  std::vector<vrrp::LinkState> seen;
  core::Handle h = m->on_link_change([&](const vrrp::LinkState& s) { seen.push_back(s); });
  lab_.exec_ok(a_, {"ip", "link", "set", "veth0", "down"});
  ASSERT_TRUE(run_until([&] { return !seen.empty() && !seen.back().up; }));
  EXPECT_EQ(seen.back().name, "veth0");
  EXPECT_FALSE(m->link("veth0")->running);
  lab_.exec_ok(a_, {"ip", "link", "set", "veth0", "up"});
  ASSERT_TRUE(run_until([&] { return seen.back().up && seen.back().running; }));
}

TEST_F(LinkMonitorNetns, SeesCarrierLossWhenThePeerGoesDown) {
  auto m = monitor();
  ASSERT_TRUE(m);
  lab_.exec_ok(b_, {"ip", "link", "set", "veth0", "down"});
  ASSERT_TRUE(run_until([&] { return !m->link("veth0")->running; }));
  EXPECT_TRUE(m->link("veth0")->up);
}

TEST_F(LinkMonitorNetns, SeesAddressesAddedAndRemoved) {
  auto m = monitor();
  ASSERT_TRUE(m);
  std::vector<vrrp::AddressChange> seen;
  core::Handle h = m->on_address_change([&](const vrrp::AddressChange& c) { seen.push_back(c); });
  auto has = [&](bool added) {
    return std::any_of(seen.begin(), seen.end(), [&](const auto& c) {
      return c.added == added && c.prefix == prefix("192.0.2.77/24");
    });
  };
  lab_.exec_ok(a_, {"ip", "addr", "add", "192.0.2.77/24", "dev", "veth0"});
  ASSERT_TRUE(run_until([&] { return has(true); }));
  lab_.exec_ok(a_, {"ip", "addr", "del", "192.0.2.77/24", "dev", "veth0"});
  ASSERT_TRUE(run_until([&] { return has(false); }));
}

TEST_F(LinkMonitorNetns, OverrunIsRepairedByAResyncWithFreshState) {
  auto m = monitor(1);  // the kernel's minimum buffer: a few messages
  ASSERT_TRUE(m);
  int resyncs = 0;
  core::Handle h = m->on_resync([&] { ++resyncs; });
  // Many notifications while nobody reads, then the change that matters.
  for (int i = 0; i < 40; ++i)
    lab_.exec_ok(a_, {"ip", "link", "add", "hdtbr" + std::to_string(i), "type", "bridge"});
  lab_.exec_ok(a_, {"ip", "link", "set", "veth0", "down"});
  ASSERT_TRUE(run_until([&] { return m->resync_count() > 0 && !m->link("veth0")->up; }));
  EXPECT_EQ(resyncs, static_cast<int>(m->resync_count()));
  EXPECT_TRUE(m->link("hdtbr39"));
}

}  // namespace
}  // namespace hadirector::testing

namespace hadirector::testing {
namespace {

class VmacNetns : public VrrpIoLab {
 protected:
  std::unique_ptr<vrrp::NetlinkVmacManager> vmacs() {
    NetnsGuard guard(a_);
    auto m = vrrp::NetlinkVmacManager::create();
    if (!m) {
      ADD_FAILURE() << m.error().message();
      return nullptr;
    }
    return std::move(*m);
  }
  std::string sysctl(const std::string& key) {
    std::string out = lab_.exec_ok(a_, {"cat", "/proc/sys/net/ipv4/conf/" + key}).out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
};

TEST_F(VmacNetns, CreatesMacvlanWithVirtualRouterMacAndSysctls) {
  auto m = vmacs();
  ASSERT_TRUE(m);
  core::Result<vrrp::LinkInfo> link = [&] {
    NetnsGuard guard(a_);  // sysctls are written in the caller's namespace
    return m->ensure({.parent = "veth0", .name = "", .vrid = 51});
  }();
  ASSERT_TRUE(link) << link.error().message();
  EXPECT_EQ(link->name, "vrrp.51");
  auto doc = nlohmann::json::parse(
      lab_.exec_ok(a_, {"ip", "-j", "-d", "link", "show", "vrrp.51"}).out, nullptr, false);
  ASSERT_TRUE(doc.is_array() && !doc.empty());
  EXPECT_EQ(doc[0].value("address", ""), "00:00:5e:00:01:33");
  EXPECT_EQ(doc[0].value("link", ""), "veth0");
  EXPECT_EQ(doc[0]["linkinfo"].value("info_kind", ""), "macvlan");
  EXPECT_EQ(doc[0]["linkinfo"]["info_data"].value("mode", ""), "private");
  EXPECT_EQ(sysctl("vrrp.51/arp_ignore"), "1");
  EXPECT_EQ(sysctl("vrrp.51/accept_local"), "1");
  EXPECT_EQ(sysctl("veth0/arp_announce"), "2");
}

TEST_F(VmacNetns, EnsureTwiceAdoptsAndRemoveTwiceSucceeds) {
  auto m = vmacs();
  ASSERT_TRUE(m);
  NetnsGuard guard(a_);
  vrrp::VmacSpec spec{.parent = "veth0", .name = "", .vrid = 7, .ipv6 = true};
  ASSERT_TRUE(m->ensure(spec));
  auto again = m->ensure(spec);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(vrrp::format_mac(again->mac), "00:00:5e:00:02:07");
  ASSERT_TRUE(m->remove("vrrp.7"));
  EXPECT_TRUE(m->remove("vrrp.7"));
  EXPECT_NE(lab_.exec(a_, {"ip", "link", "show", "vrrp.7"}).exit_code, 0);
}

TEST_F(VmacNetns, NameTakenByAnotherLinkIsAnError) {
  lab_.exec_ok(a_, {"ip", "link", "add", "vrrp.9", "type", "bridge"});
  auto m = vmacs();
  ASSERT_TRUE(m);
  NetnsGuard guard(a_);
  auto taken = m->ensure({.parent = "veth0", .name = "", .vrid = 9});
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code(), core::Errc::kExists) << taken.error().message();
}

}  // namespace
}  // namespace hadirector::testing
