// Tracking and notify with the real hadirectord: a tracked file (inotify) lowering the
// master's priority moves the VIP, notify scripts run in transition order, and the master's
// interface going down (FAULT) hands the VIP to the peer. Root only.
#include <cstdio>
#include <sstream>

#include "tests/netns/vrrp_director_lab.h"

namespace hadirector::testing {
namespace {

class VrrpTracking : public DirectorLab {};

std::string tracked_yaml(int priority, const std::string& file, const std::string& notify_log) {
  return "version: 1\nvrrp:\n  instances:\n    - name: web\n      interface: eth0\n"
         "      vrid: 51\n      priority: " +
         std::to_string(priority) +
         "\n      advert_interval: 100ms\n      virtual_addresses: [192.0.2.100/24]\n"
         "      track: {files: [{path: '" +
         file +
         "', weight: -1}]}\n"
         "      notify: {any: [/bin/sh, -c, 'echo \"$2 $3 $4\" >> " +
         notify_log + "', n]}\n";
}

TEST_F(VrrpTracking, TrackedFileLowersPriorityAndNotifyScriptsRunInOrder) {
  add_directors(2);
  DaemonHarness& a = daemon(1, "version: 1\n");
  const std::string file = a.dir() + "/prio", notes = a.dir() + "/notify.log";
  write_file(file, "0\n");
  a.write_config(tracked_yaml(200, file, notes));
  DaemonHarness& b = daemon(2, director_yaml(100, false));
  a.start();
  b.start();
  ASSERT_TRUE(eventually([&] { return has_address(1, "192.0.2.100/24"); })) << a.log();
  write_file(file, "150\n");  // 200 - 150 = 50 < 100
  const long moved = time_until([&] { return has_address(2, "192.0.2.100/24"); });
  std::printf("[ FIGURE ] tracked file written -> VIP on the peer after %ld ms\n", moved);
  ASSERT_GE(moved, 0) << a.log();
  EXPECT_TRUE(eventually([&] { return !has_address(1, "192.0.2.100/24"); }));
  EXPECT_EQ(a.status()["vrrp"]["instances"][0]["effective_priority"], 50);
  write_file(file, "0\n");
  ASSERT_TRUE(eventually([&] { return has_address(1, "192.0.2.100/24"); })) << a.log();
  ASSERT_TRUE(eventually([&] {
    return read_file(notes).find("MASTER 200\nweb BACKUP") != std::string::npos &&
           read_file(notes).ends_with("web MASTER 200\n");
  })) << read_file(notes);
  std::istringstream lines(read_file(notes));
  std::vector<std::string> got;
  for (std::string l; std::getline(lines, l);) got.push_back(l);
  const std::vector<std::string> want = {"web BACKUP 200", "web MASTER 200", "web BACKUP 50",
                                         "web MASTER 200"};
  EXPECT_EQ(got, want);
}

TEST_F(VrrpTracking, MasterInterfaceDownIsAFaultAndThePeerTakesOver) {
  add_directors(2);
  DaemonHarness& a = daemon(1, director_yaml(200, false));
  DaemonHarness& b = daemon(2, director_yaml(100, false));
  a.start();
  b.start();
  ASSERT_TRUE(eventually([&] { return has_address(1, "192.0.2.100/24"); })) << a.log();
  lab_.exec_ok(ns_[0], {"ip", "link", "set", "eth0", "down"});
  const long moved = time_until([&] { return has_address(2, "192.0.2.100/24"); });
  std::printf("[ FIGURE ] master's interface down -> VIP on the peer after %ld ms\n", moved);
  ASSERT_GE(moved, 0) << b.log();
  EXPECT_TRUE(a.wait_log("vrrp instance web: MASTER -> FAULT (interface_down)"));
  lab_.exec_ok(ns_[0], {"ip", "link", "set", "eth0", "up"});
  EXPECT_TRUE(a.wait_log("vrrp instance web: FAULT -> BACKUP (interface_up)")) << a.log();
  EXPECT_TRUE(eventually([&] {
    return has_address(1, "192.0.2.100/24") && !has_address(2, "192.0.2.100/24");
  })) << a.log();
}

}  // namespace
}  // namespace hadirector::testing
