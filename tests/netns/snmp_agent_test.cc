// The SNMP worker against a real snmpd (Debian's): snmpd with an AgentX master socket in a
// temporary directory and snmptrapd, both in the lab's hub namespace on its loopback; two
// directors with hadirectord (one with `snmp:`). snmpwalk of the VRRPv3-MIB and HADIRECTOR-MIB
// subtrees, vrrpv3NewMaster and hdRealServerStateChange received by snmptrapd, and a killed
// snmp worker restarted without disturbing VRRP. Root only; skips when net-snmp's tools are
// not installed (Debian packages snmpd, snmp, snmptrapd).
#include <signal.h>
#include <stdlib.h>

#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/netns/vrrp_director_lab.h"

namespace hadirector::testing {
namespace {

using namespace std::chrono_literals;

const std::string kVrrpMib = "1.3.6.1.2.1.207";
const std::string kHdMib = "1.3.6.1.4.1.32473.1";

class SnmpAgent : public DirectorLab {
 protected:
  void SetUp() override {
    DirectorLab::SetUp();
    if (IsSkipped()) return;
    for (const char* tool : {"snmpd", "snmptrapd", "snmpwalk"}) {
      if (run_command({"sh", "-c", std::string("command -v ") + tool}).exit_code != 0)
        GTEST_SKIP() << tool << " not installed (Debian packages snmpd, snmptrapd, snmp)";
    }
    char tmpl[] = "/tmp/hd-snmp-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    add_directors(2);
    // snmpd: AgentX master on a socket in our directory, SNMP on the hub's loopback, every
    // notification to snmptrapd. No system configuration or MIB files are read.
    write_file(dir_ + "/snmpd.conf",
               "master agentx\nagentXSocket " + agentx() +
                   "\nagentaddress udp:127.0.0.1:16161\nrocommunity public 127.0.0.1\n"
                   "trap2sink 127.0.0.1:16162 public\n");
    write_file(dir_ + "/snmptrapd.conf", "disableAuthorization yes\n");
    snmptrapd_ = std::make_unique<NetnsProcess>(
        hub_,
        std::vector<std::string>{"snmptrapd", "-f", "-C", "-c", dir_ + "/snmptrapd.conf", "-On",
                                 "-M", "/nonexistent", "-Lf", traps(), "127.0.0.1:16162"},
        dir_ + "/snmptrapd.out");
    snmpd_ = std::make_unique<NetnsProcess>(
        hub_,
        std::vector<std::string>{"snmpd", "-f", "-C", "-c", dir_ + "/snmpd.conf", "-M",
                                 "/nonexistent", "-Lf", dir_ + "/snmpd.log", "-p",
                                 dir_ + "/snmpd.pid"},
        dir_ + "/snmpd.out");
    ASSERT_TRUE(eventually([&] { return ::access(agentx().c_str(), F_OK) == 0; }, 5s))
        << read_file(dir_ + "/snmpd.log");
  }

  void TearDown() override {
    daemons_.clear();
    snmpd_.reset();
    snmptrapd_.reset();
    if (!dir_.empty()) run_command({"rm", "-rf", dir_});
  }

  std::string agentx() const { return dir_ + "/agentx"; }
  std::string traps() const { return dir_ + "/traps.log"; }
  // How many notifications snmptrapd logged whose snmpTrapOID is `oid`.
  size_t received(const std::string& oid) const {
    const std::string t = read_file(traps());
    size_t n = 0;
    for (size_t at = 0; (at = t.find("OID: ." + oid, at)) != std::string::npos; ++at) ++n;
    return n;
  }

  // `snmpwalk -On` of `root` through snmpd in the hub: numeric OID -> value text.
  std::map<std::string, std::string> walk(const std::string& root) {
    auto r = lab_.exec(hub_, {"snmpwalk", "-v2c", "-c", "public", "-On", "-M", "/nonexistent", "-t",
                              "2", "127.0.0.1:16161", root});
    std::map<std::string, std::string> out;
    static const std::regex line(R"(^(\.[0-9.]+) = (.*)$)");
    std::smatch m;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);)
      if (std::regex_match(l, m, line)) out[m[1]] = m[2];
    return out;
  }

  std::string yaml(int priority, bool snmp) {
    std::string y = director_yaml(priority, false);
    if (!snmp) return y;
    return y +
           "virtual_servers:\n  - name: web-http\n    address: 192.0.2.100:80\n"
           "    real_servers:\n      - address: 127.0.0.1:18081\n        weight: 7\n"
           "        checks: [{type: tcp, interval: 200ms, timeout: 100ms, rise: 1, fall: 1}]\n"
           "snmp:\n  agentx_socket: " +
           agentx() + "\n";
  }

  std::string dir_;
  std::unique_ptr<NetnsProcess> snmpd_, snmptrapd_;
};

TEST_F(SnmpAgent, WalksBothMibsSendsNotificationsAndSurvivesAWorkerRestart) {
  DaemonHarness& a = daemon(1, yaml(100, true));
  a.start();
  ASSERT_TRUE(eventually([&] { return has_address(1, "192.0.2.100/24"); }, 5s)) << a.log();
  const std::string index = "." + std::to_string(lab_.ifindex(ns_[0], "eth0")) + ".51.1";
  const std::string ops = "." + kVrrpMib + ".1.1.1.1.";
  const std::string stats = "." + kVrrpMib + ".1.2.5.1.";

  std::map<std::string, std::string> v;
  ASSERT_TRUE(eventually(
      [&] {
        v = walk(kVrrpMib);
        return v[ops + "6" + index] == "INTEGER: 3";
      },
      10s))
      << a.log() << read_file(dir_ + "/snmpd.log");
  EXPECT_EQ(v[ops + "7" + index], "Gauge32: 100");                    // priority
  EXPECT_EQ(v[ops + "3" + index], "Hex-STRING: C0 00 02 01 ");        // master 192.0.2.1
  EXPECT_EQ(v[ops + "5" + index], "Hex-STRING: 00 00 5E 00 01 33 ");  // virtual MAC
  EXPECT_EQ(v[ops + "9" + index], "INTEGER: 10");                     // 100 ms in centiseconds
  EXPECT_EQ(v[ops + "10" + index], "INTEGER: 1");                     // preempt true
  EXPECT_EQ(v[stats + "1" + index], "Counter32: 1");                  // became master once
  EXPECT_EQ(v["." + kVrrpMib + ".1.2.1.0"], "Counter64: 0");          // router checksum errors
  // vrrpv3AssociatedIpAddrRowStatus of the VIP: active(1).
  EXPECT_EQ(v["." + kVrrpMib + ".1.1.2.1.2" + index + ".4.192.0.2.100"], "INTEGER: 1");

  // The sub-agent holds no capability (least privilege): the walk above went through it.
  const std::string proc = read_file("/proc/" + std::to_string(a.worker_pid("snmp")) + "/status");
  for (const char* set : {"CapEff:\t0000000000000000", "CapPrm:\t0000000000000000",
                          "CapBnd:\t0000000000000000"})
    EXPECT_NE(proc.find(set), std::string::npos) << set << "\n" << proc;

  // HADIRECTOR-MIB: generation, the virtual server and its (unreachable) real server.
  std::map<std::string, std::string> h = walk(kHdMib);
  EXPECT_EQ(h["." + kHdMib + ".1.1.1.0"], "Gauge32: 1");
  EXPECT_EQ(h["." + kHdMib + ".1.2.1.2.1"], "STRING: \"web-http\"");
  EXPECT_EQ(h["." + kHdMib + ".1.3.1.2.1.1"], "STRING: \"127.0.0.1:18081\"");
  EXPECT_EQ(h["." + kHdMib + ".1.3.1.5.1.1"], "INTEGER: 7");  // configured weight
  ASSERT_TRUE(
      eventually([&] { return walk(kHdMib)["." + kHdMib + ".1.3.1.3.1.1"] == "INTEGER: 2"; },
                 5s));  // down

  // A real server coming up in the director's namespace: hdRealServerStateChange with up(1).
  NetnsProcess server(ns_[0],
                      {"python3", "-c",
                       "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',18081))\n"
                       "s.listen(64)\nwhile True:\n c,_=s.accept(); c.close()\n"},
                      dir_ + "/server.log");
  EXPECT_TRUE(eventually(
      [&] {
        const std::string t = read_file(traps());
        return t.find("OID: ." + kHdMib + ".0.1") != std::string::npos &&
               t.find("." + kHdMib + ".1.3.1.3.1.1 = INTEGER: 1") != std::string::npos;
      },
      10s))
      << read_file(traps());

  // A higher-priority director preempts, then hands back with priority 0: vrrpv3NewMaster
  // with vrrpv3StatisticsNewMasterReason masterNoResponse(3).
  DaemonHarness& b = daemon(2, director_yaml(200, false));
  b.start();
  ASSERT_TRUE(eventually([&] { return walk(kVrrpMib)[ops + "6" + index] == "INTEGER: 2"; }, 10s));
  auto notifications = [&] { return received(kVrrpMib + ".0.1"); };
  const size_t before = notifications();  // the start-up takeover's, if snmp was connected
  b.signal(SIGTERM);
  EXPECT_TRUE(eventually([&] { return notifications() > before; }, 10s))
      << read_file(traps()) << a.log();
  const std::string t = read_file(traps());
  const std::string last = t.substr(t.rfind("OID: ." + kVrrpMib + ".0.1"));
  EXPECT_NE(last.find(stats + "2" + index + " = INTEGER: 3"), std::string::npos) << last;
  EXPECT_NE(last.find(ops + "3" + index + " = Hex-STRING: C0 00 02 01"), std::string::npos) << last;
  EXPECT_TRUE(
      eventually([&] { return walk(kVrrpMib)[stats + "1" + index] == "Counter32: 2"; }, 5s));

  // The snmp worker dies: VRRP keeps running (same pid, still MASTER), snmp comes back.
  const int transitions_before = transitions(1, "web");
  const pid_t vrrp_pid = a.worker_pid("vrrp");
  const pid_t snmp_pid = a.worker_pid("snmp");
  ASSERT_GT(snmp_pid, 0);
  ::kill(snmp_pid, SIGKILL);
  ASSERT_TRUE(eventually([&] { return a.worker_restarts("snmp") == 1; }, 5s)) << a.log();
  EXPECT_TRUE(eventually([&] { return walk(kVrrpMib)[ops + "6" + index] == "INTEGER: 3"; }, 10s))
      << a.log();
  EXPECT_EQ(a.worker_pid("vrrp"), vrrp_pid);
  EXPECT_EQ(a.worker_restarts("vrrp"), 0);
  EXPECT_TRUE(has_address(1, "192.0.2.100/24"));
  EXPECT_EQ(transitions(1, "web"), transitions_before) << a.log();
}

// Adverts for VRID 51 with IP TTL 1 (RFC 5798 wants 255) from director 2's namespace:
// vrrpv3ProtoError with ipTtlError(1), vrrpv3StatisticsProtoErrReason reads it, and a stream
// of bad packets gives one notification per instance per minute, not one per refresh.
TEST_F(SnmpAgent, ProtocolErrorsRaiseOneRateLimitedProtoError) {
  DaemonHarness& a = daemon(1, yaml(100, true));
  a.start();
  const std::string index = "." + std::to_string(lab_.ifindex(ns_[0], "eth0")) + ".51.1";
  const std::string stats = "." + kVrrpMib + ".1.2.5.1.";
  ASSERT_TRUE(eventually([&] { return walk(kVrrpMib).contains(stats + "6" + index); }, 10s))
      << a.log() << read_file(dir_ + "/snmpd.log");
  auto send_bad = [&] {
    auto r = lab_.exec(ns_[1], {"python3", "-c",
                                "import socket\n"
                                "s=socket.socket(socket.AF_INET,socket.SOCK_RAW,112)\n"
                                "s.setsockopt(socket.IPPROTO_IP,socket.IP_TTL,1)\n"
                                "p=bytes([0x31,51,100,1,0,100,0,0,192,0,2,100])\n"
                                "for _ in range(3): s.sendto(p,('192.0.2.1',0))\n"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  };
  auto proto_errors = [&] { return received(kVrrpMib + ".0.2"); };
  send_bad();
  ASSERT_TRUE(eventually([&] { return proto_errors() == 1; }, 10s))
      << read_file(traps()) << a.log();
  EXPECT_NE(read_file(traps()).find(stats + "6" + index + " = INTEGER: 1"), std::string::npos)
      << read_file(traps());
  // The view is refreshed once a second: a refresh can fall between the three packets, so the
  // notification may go out when the counter reads 1 or 2. All three are counted by the next.
  std::map<std::string, std::string> v;
  EXPECT_TRUE(eventually(
      [&] {
        v = walk(kVrrpMib);
        return v[stats + "5" + index] == "Counter64: 3";
      },
      10s))
      << v[stats + "5" + index];
  EXPECT_EQ(v[stats + "6" + index], "INTEGER: 1");  // ipTtlError
  // More bad packets within the minute: counted, but no second notification.
  send_bad();
  EXPECT_TRUE(
      eventually([&] { return walk(kVrrpMib)[stats + "5" + index] == "Counter64: 6"; }, 10s));
  std::this_thread::sleep_for(2s);  // a few view refreshes
  EXPECT_EQ(proto_errors(), 1u) << read_file(traps());
}

}  // namespace
}  // namespace hadirector::testing
