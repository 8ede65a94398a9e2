// Sync groups with the real hadirectord: two directors, each with a group of two instances on
// two interfaces (eth0 on one bridge, eth1 on another). Taking one interface of the master down
// faults its whole group and moves both instances to the peer; group notify scripts run. Root.
#include <cstdio>

#include "tests/netns/vrrp_director_lab.h"

namespace hadirector::testing {
namespace {

class VrrpSyncGroup : public DirectorLab {
 protected:
  // eth1 of every director on a second bridge, 198.51.100.N/24.
  void add_second_lan(int n) {
    std::vector<std::pair<std::string, std::string>> members;
    for (int i = 0; i < n; ++i) members.emplace_back(ns_[i], "eth1");
    lab_.add_bridge(hub_, "br1", members);
    for (int i = 0; i < n; ++i)
      lab_.exec_ok(ns_[i], {"ip", "addr", "add", "198.51.100." + std::to_string(i + 1) + "/24",
                            "dev", "eth1"});
  }
  bool has_on(int i, const std::string& ifname, const std::string& prefix) {
    auto list = probes_[i - 1]->addresses(ifname);
    return list && std::ranges::any_of(
                       *list, [&](const config::IpPrefix& p) { return p.to_string() == prefix; });
  }
  bool holds_group(int i) {
    return has_on(i, "eth0", "192.0.2.100/24") && has_on(i, "eth1", "198.51.100.100/24");
  }
  bool holds_none(int i) {
    return !has_on(i, "eth0", "192.0.2.100/24") && !has_on(i, "eth1", "198.51.100.100/24");
  }
};

std::string grouped_yaml(int priority, const std::string& notify_log) {
  const std::string p = std::to_string(priority);
  return "version: 1\nvrrp:\n  instances:\n"
         "    - {name: front, interface: eth0, vrid: 61, priority: " +
         p +
         ", advert_interval: 100ms, virtual_addresses: [192.0.2.100/24]}\n"
         "    - {name: back, interface: eth1, vrid: 62, priority: " +
         p +
         ", advert_interval: 100ms, virtual_addresses: [198.51.100.100/24]}\n"
         "  sync_groups:\n"
         "    - name: lb\n"
         "      instances: [front, back]\n"
         "      notify: {any: [/bin/sh, -c, 'echo \"$1 $2 $3\" >> " +
         notify_log + "', n]}\n";
}

TEST_F(VrrpSyncGroup, OneInterfaceDownOnTheMasterMovesTheWholeGroup) {
  add_directors(2);
  add_second_lan(2);
  DaemonHarness& a = daemon(1, "version: 1\n");
  DaemonHarness& b = daemon(2, "version: 1\n");
  const std::string notes = a.dir() + "/group.log";
  a.write_config(grouped_yaml(200, notes));
  b.write_config(grouped_yaml(100, b.dir() + "/group.log"));
  a.start();
  b.start();
  ASSERT_TRUE(eventually([&] { return holds_group(1) && holds_none(2); })) << a.log();
  ASSERT_TRUE(eventually([&] { return read_file(notes).ends_with("GROUP lb MASTER\n"); }))
      << read_file(notes);

  lab_.exec_ok(ns_[0], {"ip", "link", "set", "eth0", "down"});  // only front's interface
  const long moved = time_until([&] { return holds_group(2); });
  std::printf(
      "[ FIGURE ] one interface of the master down -> whole group on the peer after %ld ms\n",
      moved);
  ASSERT_GE(moved, 0) << b.log();
  EXPECT_TRUE(has_on(1, "eth1", "198.51.100.100/24") == false) << a.log();
  EXPECT_TRUE(a.wait_log("vrrp instance back: MASTER -> FAULT (fault_tracked)")) << a.log();
  EXPECT_TRUE(eventually([&] { return read_file(notes).ends_with("GROUP lb FAULT\n"); }))
      << read_file(notes);
  auto st = b.status()["vrrp"]["instances"];
  for (const auto& i : st) EXPECT_EQ(i["state"], "MASTER") << st.dump();

  lab_.exec_ok(ns_[0], {"ip", "link", "set", "eth0", "up"});  // a leaves FAULT and preempts
  EXPECT_TRUE(eventually([&] { return holds_group(1) && holds_none(2); })) << a.log() << b.log();
  EXPECT_TRUE(b.wait_log("vrrp instance back: MASTER -> BACKUP")) << b.log();
}

}  // namespace
}  // namespace hadirector::testing
