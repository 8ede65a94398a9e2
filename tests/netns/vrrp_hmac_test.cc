// Authenticated adverts (draft-cassen-vrrp-auth-hmac) between two real hadirectord, IPv4
// unicast and IPv6 multicast, on one bridge, with a third namespace as the attacker: election and
// failover as usual; spoofed higher-priority adverts without a trailer or with a wrong HMAC, and a
// genuine advert captured and replayed, are dropped and counted without a transition; keys rolled
// by three reloads on both sides without a transition; a restarted sender is still heard.
// Root only.
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/netns/vrrp_director_lab.h"
#include "vrrp/auth_hmac.h"
#include "vrrp/packet.h"

namespace hadirector::testing {
namespace {

using std::chrono::seconds;

constexpr auto kElection = seconds(5);
const std::string kKey1 = "hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kKey2 = "hex:f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";

// Sends `payload` as IP protocol 112 from `src` to `dst` with TTL 255 (IP_HDRINCL: the source
// is whatever we say), `count` times.
const char* kSpoof =
    "import socket,struct,sys\n"
    "src,dst,p,n=sys.argv[1],sys.argv[2],bytes.fromhex(sys.argv[3]),int(sys.argv[4])\n"
    "s=socket.socket(socket.AF_INET,socket.SOCK_RAW,112)\n"
    "s.setsockopt(socket.IPPROTO_IP,socket.IP_HDRINCL,1)\n"
    "h=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(p),0,0,255,112,0,socket.inet_aton(src),"
    "socket.inet_aton(dst))\n"
    "for _ in range(n): s.sendto(h+p,(dst,0))\n";

// Prints, in hex, the VRRP payload of the next protocol-112 packet from `src`.
const char* kCapture =
    "import socket,sys\n"
    "s=socket.socket(socket.AF_INET,socket.SOCK_RAW,112)\n"
    "s.settimeout(5)\n"
    "while True:\n"
    "  d,a=s.recvfrom(2048)\n"
    "  if a[0]==sys.argv[1]: print(d[(d[0]&15)*4:].hex()); break\n";

std::string hex(const std::vector<uint8_t>& bytes) {
  std::string out;
  char buf[3];
  for (uint8_t b : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}

class VrrpHmac : public DirectorLab {
 protected:
  void SetUp() override {
    DirectorLab::SetUp();
    if (IsSkipped()) return;
    char tmpl[] = "/tmp/hd-hmac-netns-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    keys_ = tmpl;
    write_key("1.key", kKey1);
    write_key("2.key", kKey2);
    add_directors(3);  // 3 is the attacker: no daemon
    a_ = &daemon(1, yaml(200, "192.0.2.1", "192.0.2.2", "[1]", 1));
    b_ = &daemon(2, yaml(100, "192.0.2.2", "192.0.2.1", "[1]", 1));
    a_->start();
    b_->start();
    ASSERT_TRUE(eventually([&] { return has_address(1, "192.0.2.200/24"); }, kElection))
        << a_->log();
    ASSERT_TRUE(
        eventually([&] { return drops(*b_, "authMissing") == 0 && received(*b_) > 3; }, kElection))
        << b_->log();
  }
  void TearDown() override {
    if (!keys_.empty()) std::filesystem::remove_all(keys_);
    DirectorLab::TearDown();
  }

  void write_key(const std::string& name, const std::string& text) {
    const std::string path = keys_ + "/" + name;
    std::ofstream(path) << text << "\n";
    ::chmod(path.c_str(), 0600);
  }

  // Instance "uni" (VRID 53) to `peer` and "web6" (IPv6 multicast, VRID 52, where the
  // checksum covers the trailer), signed with `send_key`, verifying the ids in `ids`.
  std::string yaml(int priority, const std::string& source, const std::string& peer,
                   const std::string& ids, int send_key) {
    std::string auth = "      authentication:\n        type: hmac-sha256\n        keys:\n";
    for (char c : ids)
      if (c >= '1' && c <= '9')
        auth += "          - {id: " + std::string(1, c) + ", secret_file: " + keys_ + "/" + c +
                ".key}\n";
    auth += "        send_key: " + std::to_string(send_key) + "\n";
    const std::string common =
        "      interface: eth0\n      priority: " + std::to_string(priority) +
        "\n      advert_interval: 100ms\n";
    return "version: 1\nvrrp:\n  instances:\n    - name: uni\n      vrid: 53\n" + common +
           "      virtual_addresses: [192.0.2.200/24]\n      unicast: {source: " + source +
           ", peers: [" + peer + "]}\n" + auth + "    - name: web6\n      vrid: 52\n" + common +
           "      virtual_addresses: ['2001:db8::100/64']\n" + auth;
  }

  static nlohmann::json instance(DaemonHarness& d, const std::string& name = "uni") {
    const nlohmann::json status = d.status();
    for (const auto& i : status["vrrp"]["instances"])
      if (i["name"] == name) return i;
    return nullptr;
  }
  static long drops(DaemonHarness& d, const std::string& reason, const std::string& name = "uni") {
    auto i = instance(d, name);
    return i.is_null() ? -1 : i["drops"][reason].get<long>();
  }
  static long received(DaemonHarness& d, const std::string& name = "uni") {
    auto i = instance(d, name);
    return i.is_null() ? -1 : i["counters"]["adverts_received"].get<long>();
  }

  // A VRID 53 advert at priority 255 "from" director 2 to director 1, optionally signed.
  static std::vector<uint8_t> forged_advert(const vrrp::AuthKey* key) {
    vrrp::Advert advert;
    advert.vrid = 53;
    advert.priority = 255;
    advert.max_adver_interval = std::chrono::milliseconds(100);
    advert.addresses = {vrrp::IpAddress::v4(192, 0, 2, 200)};
    const auto src = vrrp::IpAddress::v4(192, 0, 2, 2), dst = vrrp::IpAddress::v4(192, 0, 2, 1);
    auto bytes = vrrp::encode_advert(advert, src, dst);
    EXPECT_TRUE(bytes);
    if (key != nullptr && bytes) {
      struct timespec now {};
      ::clock_gettime(CLOCK_REALTIME, &now);
      vrrp::append_auth_trailer(*bytes, *key, vrrp::clock_sequence(now.tv_sec, 0), src, dst);
    }
    return bytes.value_or(std::vector<uint8_t>{});
  }

  void spoof(const std::string& src, const std::string& dst, const std::string& payload_hex,
             int count) {
    auto r =
        lab_.exec(ns_[2], {"python3", "-c", kSpoof, src, dst, payload_hex, std::to_string(count)});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  std::string keys_;
  DaemonHarness* a_ = nullptr;
  DaemonHarness* b_ = nullptr;
};

TEST_F(VrrpHmac, PairElectsAndFailsOverWithAuthenticatedAdverts) {
  EXPECT_FALSE(has_address(2, "192.0.2.200/24"));
  EXPECT_EQ(instance(*b_)["state"], "BACKUP");
  EXPECT_EQ(drops(*b_, "authBadHmac"), 0);
  // IPv6 multicast too: the checksum over the trailer verifies, the HMAC too.
  ASSERT_TRUE(eventually([&] { return has_address(1, "2001:db8::100/64"); }, kElection));
  EXPECT_GT(received(*b_, "web6"), 3);
  EXPECT_EQ(drops(*b_, "vrrpv3RouterChecksumErrors", "web6"), 0);
  EXPECT_EQ(drops(*b_, "authBadHmac", "web6"), 0);
  EXPECT_EQ(instance(*b_, "web6")["authentication"]["key_ids"], nlohmann::json::array({1}));
  a_->kill_all();
  const long ms = time_until([&] { return has_address(2, "192.0.2.200/24"); });
  std::printf("[ FIGURE ] SIGKILL failover with HMAC adverts at 100 ms: %ld ms\n", ms);
  ASSERT_GE(ms, 0) << b_->log();
  EXPECT_TRUE(b_->wait_log("vrrp instance uni: BACKUP -> MASTER (master_down_timer)"));
}

TEST_F(VrrpHmac, SpoofedAndReplayedAdvertsAreDroppedAndCountedWithoutATransition) {
  const int before_a = transitions(1, "uni"), before_b = transitions(2, "uni");
  // Priority 255 "from" the backup, with no trailer: the master would yield to it.
  spoof("192.0.2.2", "192.0.2.1", hex(forged_advert(nullptr)), 5);
  EXPECT_TRUE(eventually([&] { return drops(*a_, "authMissing") == 5; })) << a_->log();
  // The same with a fresh trailer signed by a key of the right id but the wrong secret.
  vrrp::AuthKey wrong{.id = 1, .secret = std::vector<uint8_t>(32, 0x42)};
  spoof("192.0.2.2", "192.0.2.1", hex(forged_advert(&wrong)), 5);
  EXPECT_TRUE(eventually([&] { return drops(*a_, "authBadHmac") == 5; })) << a_->log();
  // A genuine advert of the master, captured on the backup's link and played back to it.
  auto captured = lab_.exec(ns_[1], {"python3", "-c", kCapture, "192.0.2.1"});
  ASSERT_EQ(captured.exit_code, 0) << captured.err;
  std::string payload = captured.out.substr(0, captured.out.find('\n'));
  ASSERT_EQ(payload.size(), 2 * (8 + 4 + vrrp::kAuthTrailerSize)) << payload;
  spoof("192.0.2.1", "192.0.2.2", payload, 3);
  EXPECT_TRUE(eventually([&] { return drops(*b_, "authReplay") == 3; })) << b_->log();
  EXPECT_TRUE(a_->wait_log("dropped advert from 192.0.2.2 (authMissing)")) << a_->log();
  // Nothing moved: still master and backup, no transition logged.
  (void)time_until([] { return false; }, std::chrono::milliseconds(500));
  EXPECT_EQ(instance(*a_)["state"], "MASTER");
  EXPECT_EQ(instance(*b_)["state"], "BACKUP");
  EXPECT_EQ(transitions(1, "uni"), before_a) << a_->log();
  EXPECT_EQ(transitions(2, "uni"), before_b) << b_->log();
  EXPECT_TRUE(has_address(1, "192.0.2.200/24"));
  EXPECT_FALSE(has_address(2, "192.0.2.200/24"));
  // The metrics-facing status never shows a secret.
  EXPECT_EQ(a_->status().dump().find("0102030405"), std::string::npos);
}

TEST_F(VrrpHmac, KeysRollByReloadOnBothSidesWithoutATransition) {
  const int before_a = transitions(1, "uni"), before_b = transitions(2, "uni");
  const int before_b6 = transitions(2, "web6");
  auto reload_both = [&](const std::string& ids, int send_key, int generation) {
    a_->write_config(yaml(200, "192.0.2.1", "192.0.2.2", ids, send_key));
    b_->write_config(yaml(100, "192.0.2.2", "192.0.2.1", ids, send_key));
    a_->signal(SIGHUP);
    b_->signal(SIGHUP);
    const std::string done = "reload complete: generation " + std::to_string(generation);
    ASSERT_TRUE(a_->wait_log(done)) << a_->log();
    ASSERT_TRUE(b_->wait_log(done)) << b_->log();
    const long heard = received(*b_);
    ASSERT_TRUE(eventually([&] { return received(*b_) > heard + 5; })) << b_->log();
  };
  reload_both("[1, 2]", 1, 2);  // both verify the new key, still sign with the old
  reload_both("[1, 2]", 2, 3);  // both sign with the new key
  reload_both("[2]", 2, 4);     // the old key retires
  (void)time_until([] { return false; }, std::chrono::milliseconds(500));
  for (DaemonHarness* d : {a_, b_}) {
    EXPECT_EQ(drops(*d, "authUnknownKey"), 0) << d->log();
    EXPECT_EQ(drops(*d, "authBadHmac"), 0) << d->log();
    EXPECT_EQ(drops(*d, "authReplay"), 0) << d->log();
  }
  EXPECT_EQ(instance(*a_)["state"], "MASTER");
  EXPECT_EQ(instance(*a_)["authentication"]["key_ids"], nlohmann::json::array({2}));
  EXPECT_EQ(instance(*a_)["authentication"]["send_key"], 2);
  EXPECT_EQ(transitions(1, "uni"), before_a) << a_->log();
  EXPECT_EQ(transitions(2, "uni"), before_b) << b_->log();
  EXPECT_EQ(transitions(2, "web6"), before_b6) << b_->log();
}

// No sequence is stored: a restarted sender starts again from its clock, which has moved past
// everything it sent before, so the peer keeps hearing it (no replay lock-out).
TEST_F(VrrpHmac, ARestartedSenderIsNotTakenForAReplay) {
  const int before_b = transitions(2, "uni");
  const pid_t worker = a_->worker_pid("vrrp");
  ASSERT_GT(worker, 0);
  ::kill(worker, SIGKILL);
  ASSERT_TRUE(eventually([&] {
    return a_->log().find("vrrp instance uni: INIT -> MASTER (resume)") != std::string::npos;
  })) << a_->log();
  const long heard = received(*b_);
  EXPECT_TRUE(eventually([&] { return received(*b_) > heard + 5; })) << b_->log();
  EXPECT_EQ(drops(*b_, "authReplay"), 0) << b_->log();
  EXPECT_EQ(transitions(2, "uni"), before_b) << b_->log();
  EXPECT_TRUE(has_address(1, "192.0.2.200/24"));
}

}  // namespace
}  // namespace hadirector::testing
