// Interop with keepalived 2.2.7 (Debian) as the peer, VRRPv3 at 100 ms (IPv4 and IPv6) and
// VRRPv2 at 1 s:
// hadirectord (priority 200) and keepalived (priority 100) elect one master; the VIP moves to
// keepalived when hadirectord is killed and back when it returns (preemption). Failover
// figures are printed. Root and /usr/sbin/keepalived needed; skips otherwise.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tests/netns/vrrp_director_lab.h"

namespace hadirector::testing {
namespace {

struct Variant {
  int version;
  int advert_ms;
};

std::string keepalived_conf(const Variant& v) {
  const std::string interval = v.advert_ms < 1000 ? "0." + std::to_string(v.advert_ms / 100)
                                                  : std::to_string(v.advert_ms / 1000);
  return "global_defs {\n  router_id ka\n  vrrp_version " + std::to_string(v.version) +
         "\n}\nvrrp_instance web {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n"
         "  priority 100\n  advert_int " +
         interval + "\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n";
}

std::string hadirector_conf(const Variant& v) {
  return "version: 1\nvrrp:\n  instances:\n    - {name: web, interface: eth0, vrid: 51, "
         "priority: 200, version: " +
         std::to_string(v.version) + ", advert_interval: " + std::to_string(v.advert_ms) +
         "ms, virtual_addresses: [192.0.2.100/24]}\n";
}

class KeepalivedInterop : public DirectorLab, public ::testing::WithParamInterface<Variant> {
 protected:
  void SetUp() override {
    DirectorLab::SetUp();
    if (IsSkipped()) return;
    if (::access("/usr/sbin/keepalived", X_OK) != 0) GTEST_SKIP() << "keepalived not installed";
    add_directors(2);
    dir_ = daemon(2, "version: 1\n").dir();  // only for its temporary directory
    write_file(dir_ + "/keepalived.conf", keepalived_conf(GetParam()));
  }
  void start_keepalived() {
    keepalived_ = std::make_unique<NetnsProcess>(
        ns_[1],
        std::vector<std::string>{"/usr/sbin/keepalived", "-n", "-l", "-D", "-P", "-f",
                                 dir_ + "/keepalived.conf", "-p", dir_ + "/ka.pid", "-r",
                                 dir_ + "/ka-vrrp.pid"},
        dir_ + "/keepalived.log");
  }
  std::string keepalived_log() { return read_file(dir_ + "/keepalived.log"); }
  std::chrono::milliseconds bound() const {
    // Master_Down_Interval of the priority-100 peer, plus scheduling slack.
    const int ms = GetParam().advert_ms;
    const int skew = GetParam().version == 2 ? 610 : ms * 156 / 256;
    return std::chrono::milliseconds(3 * ms + skew + 200);
  }

  std::string dir_;
  std::unique_ptr<NetnsProcess> keepalived_;
};

TEST_P(KeepalivedInterop, ElectsOneMasterAndFailsOverBothWays) {
  const Variant v = GetParam();
  DaemonHarness& ours = daemon(1, hadirector_conf(v));
  start_keepalived();
  ours.start();
  const auto settle = std::chrono::milliseconds(10 * v.advert_ms + 2000);
  ASSERT_TRUE(eventually([&] { return has_address(1, "192.0.2.100/24"); }, settle)) << ours.log();
  // keepalived hears us and stays BACKUP for a few intervals.
  (void)time_until([] { return false; }, std::chrono::milliseconds(4 * v.advert_ms));
  EXPECT_FALSE(has_address(2, "192.0.2.100/24")) << keepalived_log();
  auto status = ours.status()["vrrp"]["instances"][0];
  EXPECT_EQ(status["state"], "MASTER") << status.dump();

  ours.kill_all();
  const long to_ka = time_until([&] { return has_address(2, "192.0.2.100/24"); }, bound() * 3);
  std::printf(
      "[ FIGURE ] v%d %d ms: hadirectord killed -> keepalived holds the VIP after %ld ms "
      "(bound %lld ms)\n",
      v.version, v.advert_ms, to_ka, static_cast<long long>(bound().count()));
  ASSERT_GE(to_ka, 0) << keepalived_log();
  EXPECT_LE(to_ka, bound().count());

  // hadirectord returns (its VIP still on the interface from the crash: it resumes) and
  // preempts; keepalived gives the VIP up.
  ours.start();
  const long back = time_until(
      [&] { return has_address(1, "192.0.2.100/24") && !has_address(2, "192.0.2.100/24"); },
      bound() * 3);
  std::printf(
      "[ FIGURE ] v%d %d ms: hadirectord back -> keepalived released the VIP after %ld "
      "ms\n",
      v.version, v.advert_ms, back);
  ASSERT_GE(back, 0) << ours.log() << keepalived_log();

  // Graceful stop hands over to keepalived within Skew_Time.
  ours.signal(SIGTERM);
  const long handoff = time_until([&] { return has_address(2, "192.0.2.100/24"); }, bound() * 3);
  std::printf(
      "[ FIGURE ] v%d %d ms: hadirectord SIGTERM -> keepalived holds the VIP after %ld "
      "ms\n",
      v.version, v.advert_ms, handoff);
  EXPECT_GE(handoff, 0) << keepalived_log();
  EXPECT_TRUE(ours.wait_exit(std::chrono::seconds(5)));
  EXPECT_FALSE(has_address(1, "192.0.2.100/24"));
}

TEST_P(KeepalivedInterop, TakesOverFromAKilledKeepalivedMaster) {
  const Variant v = GetParam();
  // Here keepalived outranks us: priority 100 vs our 50.
  std::string conf = hadirector_conf(v);
  conf.replace(conf.find("priority: 200"), 13, "priority: 50");
  DaemonHarness& ours = daemon(1, conf);
  start_keepalived();
  ours.start();
  const auto settle = std::chrono::milliseconds(10 * v.advert_ms + 3000);
  ASSERT_TRUE(eventually([&] { return has_address(2, "192.0.2.100/24"); }, settle))
      << keepalived_log();
  (void)time_until([] { return false; }, std::chrono::milliseconds(4 * v.advert_ms));
  EXPECT_FALSE(has_address(1, "192.0.2.100/24")) << ours.log();
  // Kill its VRRP child first, as a crash would; the parent would otherwise let it stop
  // gracefully.
  const std::string child = read_file(dir_ + "/ka-vrrp.pid");
  ASSERT_FALSE(child.empty());
  ::kill(std::stoi(child), SIGKILL);
  keepalived_->signal(SIGKILL);
  const long took = time_until([&] { return has_address(1, "192.0.2.100/24"); }, bound() * 3);
  std::printf("[ FIGURE ] v%d %d ms: keepalived killed -> hadirectord holds the VIP after %ld ms\n",
              v.version, v.advert_ms, took);
  EXPECT_GE(took, 0) << ours.log();
}

// keepalived 2.2.7 has no setting for a VRRPv3 checksum without the IPv4 pseudo-header (its only
// checksum knob, old_unicast_checksum, is about which destination goes into the pseudo-header),
// so checksum_pseudo_header: false is exercised against it as a mismatch, both ways: keepalived
// logs our adverts as bad checksums and we count its adverts as checksum errors, so each takes
// the VIP. With the default (true) the tests above show the two agree.
TEST_P(KeepalivedInterop, ChecksumWithoutPseudoHeaderIsRejectedBothWays) {
  const Variant v = GetParam();
  if (v.version != 3) GTEST_SKIP() << "VRRPv2 checksums never include a pseudo-header";
  std::string conf = hadirector_conf(v);
  conf.replace(conf.find("virtual_addresses"), 0, "checksum_pseudo_header: false, ");
  DaemonHarness& ours = daemon(1, conf);
  start_keepalived();
  ours.start();
  const auto settle = std::chrono::milliseconds(10 * v.advert_ms + 3000);
  EXPECT_TRUE(eventually(
      [&] { return has_address(1, "192.0.2.100/24") && has_address(2, "192.0.2.100/24"); }, settle))
      << ours.log() << keepalived_log();
  EXPECT_TRUE(eventually([&] {
    return keepalived_log().find("Invalid VRRPv3 checksum") != std::string::npos;
  })) << keepalived_log();
  EXPECT_TRUE(eventually([&] {
    auto drops = ours.status()["vrrp"]["instances"][0]["drops"];
    return drops.value("vrrpv3RouterChecksumErrors", 0) > 0;
  })) << ours.status().dump();
}

// VRRPv3 over IPv6 (RFC 5798 §5.1.2): adverts from the link-local address to ff02::12, each
// side takes over from the other and the VIP moves both ways.
TEST_P(KeepalivedInterop, Ipv6ElectsOneMasterAndFailsOverBothWays) {
  const Variant v = GetParam();
  if (v.version != 3) GTEST_SKIP() << "VRRPv2 has no IPv6";
  std::string ka = keepalived_conf(v);
  ka.replace(ka.find("192.0.2.100/24"), 14, "2001:db8::100/64");
  write_file(dir_ + "/keepalived.conf", ka);
  std::string conf = hadirector_conf(v);
  conf.replace(conf.find("192.0.2.100/24"), 14, "'2001:db8::100/64'");
  DaemonHarness& ours = daemon(1, conf);
  start_keepalived();
  ours.start();
  const std::string vip = "2001:db8::100/64";
  const auto settle = std::chrono::milliseconds(10 * v.advert_ms + 3000);
  ASSERT_TRUE(eventually([&] { return has_address(1, vip) && !has_address(2, vip); }, settle))
      << ours.log() << keepalived_log();
  (void)time_until([] { return false; }, std::chrono::milliseconds(4 * v.advert_ms));
  EXPECT_FALSE(has_address(2, vip)) << keepalived_log();

  ours.kill_all();
  const long to_ka = time_until([&] { return has_address(2, vip); }, bound() * 3);
  std::printf(
      "[ FIGURE ] IPv6 v3 %d ms: hadirectord killed -> keepalived holds the VIP after %ld ms\n",
      v.advert_ms, to_ka);
  ASSERT_GE(to_ka, 0) << keepalived_log();
  EXPECT_LE(to_ka, bound().count());
  ours.start();
  EXPECT_TRUE(eventually([&] { return has_address(1, vip) && !has_address(2, vip); }, bound() * 3))
      << ours.log() << keepalived_log();
}

INSTANTIATE_TEST_SUITE_P(Versions, KeepalivedInterop,
                         ::testing::Values(Variant{3, 100}, Variant{2, 1000}),
                         [](const auto& info) {
                           return "V" + std::to_string(info.param.version) + "Advert" +
                                  std::to_string(info.param.advert_ms) + "ms";
                         });

}  // namespace
}  // namespace hadirector::testing
