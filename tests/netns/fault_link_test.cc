// Fault suite, the network between the directors: a partition (the backup's bridge port taken
// off the bridge, its link still up) and its healing, watched from a client namespace that
// captures the gratuitous ARPs; and interface flaps, 50 down/up cycles on the master's and on
// the backup's eth0. Expected: both masters during the partition, exactly one master within
// one advert interval (plus scheduling slack) after it heals, a GARP from the winner; a single
// consistent master after the flaps.
#include <cstdio>
#include <cstring>
#include <thread>

#include "tests/netns/fault_lab.h"

namespace hadirector::testing {
namespace {

constexpr long kAdvertMs = 100;
constexpr long kSlackMs = 200;  // scheduling on a shared 2-core machine

class FaultLink : public FaultPair {
 protected:
  // The hub's bridge port whose veth peer is director i's eth0.
  std::string bridge_port(int i) {
    auto r = lab_.exec(ns_[i - 1], {"ip", "-j", "link", "show", "dev", "eth0"});
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    const int peer = doc.is_array() && !doc.empty() ? doc[0].value("link_index", 0) : 0;
    auto hub =
        nlohmann::json::parse(lab_.exec(hub_, {"ip", "-j", "link", "show"}).out, nullptr, false);
    for (const auto& link : hub)
      if (link.value("ifindex", 0) == peer) return link.value("ifname", "");
    ADD_FAILURE() << "no bridge port for director " << i;
    return "";
  }
  std::string mac(int i) {
    auto r = lab_.exec(ns_[i - 1], {"ip", "-j", "link", "show", "dev", "eth0"});
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    return doc.is_array() && !doc.empty() ? doc[0].value("address", "") : "";
  }
  bool single_master() {
    return has_address(1, "192.0.2.100/24") && !has_address(2, "192.0.2.100/24") &&
           has_address(1, "192.0.2.200/24") && !has_address(2, "192.0.2.200/24");
  }
  // Flaps director i's eth0 `n` times, `pause` between the edges.
  void flap(int i, int n, std::chrono::milliseconds pause) {
    for (int k = 0; k < n; ++k) {
      lab_.exec_ok(ns_[i - 1], {"ip", "link", "set", "eth0", "down"});
      std::this_thread::sleep_for(pause);
      lab_.exec_ok(ns_[i - 1], {"ip", "link", "set", "eth0", "up"});
      std::this_thread::sleep_for(pause);
    }
  }
};

// An ARP frame announcing 192.0.2.100 from `mac` ("aa:bb:..").
bool is_garp_for_vip(const std::string& f, const std::string& mac) {
  if (f.size() < 42 || static_cast<uint8_t>(f[12]) != 0x08 || static_cast<uint8_t>(f[13]) != 0x06)
    return false;
  char src[18];
  std::snprintf(src, sizeof src, "%02x:%02x:%02x:%02x:%02x:%02x", static_cast<uint8_t>(f[6]),
                static_cast<uint8_t>(f[7]), static_cast<uint8_t>(f[8]), static_cast<uint8_t>(f[9]),
                static_cast<uint8_t>(f[10]), static_cast<uint8_t>(f[11]));
  const uint8_t vip[4] = {192, 0, 2, 100};
  // ARP sender protocol address at 28, target protocol address at 38: both the VIP.
  return mac == src && std::memcmp(f.data() + 28, vip, 4) == 0 &&
         std::memcmp(f.data() + 38, vip, 4) == 0;
}

TEST_F(FaultLink, PartitionMakesTwoMastersAndHealingLeavesOneWithAGarpFromTheWinner) {
  const std::string port = bridge_port(2);
  ASSERT_FALSE(port.empty());
  lab_.exec_ok(hub_, {"ip", "link", "set", port, "nomaster"});
  const long split = time_until([&] { return has_address(2, "192.0.2.100/24"); });
  std::printf("[ FIGURE ] partition: backup became a second master after %ld ms\n", split);
  ASSERT_GE(split, 0) << b_->log();
  EXPECT_TRUE(eventually([&] { return instance_state(*b_, "uni") == "MASTER"; }));
  EXPECT_EQ(instance_state(*a_, "web"), "MASTER");
  EXPECT_TRUE(has_address(1, "192.0.2.100/24"));

  FrameSocket client(attacker(), "eth0");  // a client on the healed LAN sees the GARP
  const auto healed_at = std::chrono::steady_clock::now();
  lab_.exec_ok(hub_, {"ip", "link", "set", port, "master", "br0"});
  const long settled = time_until([&] { return single_master(); });
  const std::string winner = mac(1);
  long garp_ms = -1;
  for (auto deadline = healed_at + std::chrono::seconds(2);
       garp_ms < 0 && std::chrono::steady_clock::now() < deadline;) {
    if (is_garp_for_vip(client.receive(50), winner))
      garp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - healed_at)
                    .count();
  }
  std::printf(
      "[ FIGURE ] partition healed: one master after %ld ms (bound %ld ms + %ld ms slack); "
      "GARP for the VIP from the winner after %ld ms\n",
      settled, kAdvertMs, kSlackMs, garp_ms);
  ASSERT_GE(settled, 0) << b_->log();
  EXPECT_LE(settled, kAdvertMs + kSlackMs);
  EXPECT_GE(garp_ms, 0) << "no gratuitous ARP from the winner after the partition healed";
  EXPECT_TRUE(eventually([&] { return instance_state(*b_, "uni") == "BACKUP"; }));
  expect_settled_pair();
}

TEST_F(FaultLink, FiftyFlapsOfTheMastersInterfaceEndWithOneConsistentMaster) {
  const int n = static_cast<int>(fault_param("HD_FAULT_FLAPS", 50, 50));
  const auto start = std::chrono::steady_clock::now();
  flap(1, n, std::chrono::milliseconds(15));
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long settled = time_until([&] { return single_master(); }, std::chrono::seconds(5));
  std::printf(
      "[ FIGURE ] %d flaps of the master's eth0 in %.1f s: %d transitions on the master, %d on "
      "the backup; single master %ld ms after the last\n",
      n, took, transitions(1, "web"), transitions(2, "web"), settled);
  ASSERT_GE(settled, 0) << a_->log() << b_->log();
  EXPECT_TRUE(eventually([&] { return instance_state(*a_, "uni") == "MASTER"; }));
  EXPECT_TRUE(eventually([&] { return instance_state(*b_, "uni") == "BACKUP"; }));
  expect_settled_pair();
}

TEST_F(FaultLink, FiftyFlapsOfTheBackupsInterfaceNeverMoveTheMaster) {
  const int ta = transitions(1, "web");
  const int n = static_cast<int>(fault_param("HD_FAULT_FLAPS", 50, 50));
  const int tb = transitions(2, "web");
  // Only what the flaps cause: at start the backup may have held an instance for a moment
  // before it heard the master (daemons started together come up apart on a loaded host).
  const size_t log_before = b_->log().size();
  flap(2, n, std::chrono::milliseconds(15));
  EXPECT_TRUE(eventually([&] { return instance_state(*b_, "web") == "BACKUP"; }));
  EXPECT_TRUE(eventually([&] { return instance_state(*b_, "uni") == "BACKUP"; }));
  std::printf(
      "[ FIGURE ] %d flaps of the backup's eth0: %d transitions on the master, %d on the "
      "backup\n",
      n, transitions(1, "web") - ta, transitions(2, "web") - tb);
  EXPECT_EQ(transitions(1, "web"), ta) << a_->log();
  EXPECT_EQ(b_->log().find("BACKUP -> MASTER", log_before), std::string::npos) << b_->log();
  expect_settled_pair();
}

// 2,000 addresses added and removed on the master's eth0 and 200 veth pairs created and
// deleted, as fast as `ip -batch` goes: the VRRP worker's rtnetlink socket overruns (ENOBUFS) or
// keeps up; either way its link table is re-read and nothing moves.
TEST_F(FaultLink, NetlinkEventBurstLeavesTheMasterAndItsVipsInPlace) {
  const int n = static_cast<int>(fault_param("HD_FAULT_NETLINK_ADDRESSES", 2000, 5000));
  const int ta = transitions(1, "web"), tb = transitions(2, "web");
  std::string add, del, links;
  for (int i = 0; i < n; ++i) {
    const std::string a = "10.99." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    add += "addr add " + a + "/32 dev eth0\n";
    del += "addr del " + a + "/32 dev eth0\n";
  }
  for (int i = 0; i < n / 10; ++i) {
    links += "link add hdfv" + std::to_string(i) + " type veth peer name hdfw" + std::to_string(i) +
             "\nlink set hdfv" + std::to_string(i) + " up\n";
  }
  for (int i = 0; i < n / 10; ++i) links += "link del hdfv" + std::to_string(i) + "\n";
  const std::string dir = a_->dir();
  write_file(dir + "/add.batch", add);
  write_file(dir + "/del.batch", del);
  write_file(dir + "/links.batch", links);
  const auto start = std::chrono::steady_clock::now();
  for (const char* batch : {"/add.batch", "/links.batch", "/del.batch"})
    lab_.exec_ok(ns_[0], {"ip", "-batch", dir + batch});
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The status answering at all means the worker's loop got through the backlog.
  const long answered = time_until([&] { return instance_state(*a_, "web") == "MASTER"; });
  std::printf(
      "[ FIGURE ] netlink burst: %d addresses added and removed, %d veth pairs, in %.1f s; "
      "overrun re-reads logged: %d; status answered %ld ms after; transitions master %d "
      "backup %d\n",
      n, n / 10, took, count_lines(a_->log(), "rtnetlink overrun"), answered,
      transitions(1, "web") - ta, transitions(2, "web") - tb);
  ASSERT_GE(answered, 0) << a_->log();
  EXPECT_EQ(lab_.addresses(ns_[0], "eth0").size(), 4u);  // own, VIP, unicast VIP, link-local
  EXPECT_EQ(transitions(1, "web"), ta) << a_->log();
  EXPECT_EQ(transitions(2, "web"), tb) << b_->log();
  expect_settled_pair();
  // Resynced, not just quiet: a real edge after the burst is still seen.
  lab_.exec_ok(ns_[0], {"ip", "link", "set", "eth0", "down"});
  EXPECT_TRUE(eventually([&] { return instance_state(*a_, "web") == "FAULT"; })) << a_->log();
  lab_.exec_ok(ns_[0], {"ip", "link", "set", "eth0", "up"});
  EXPECT_TRUE(eventually([&] { return single_master(); })) << a_->log();
}

}  // namespace
}  // namespace hadirector::testing
