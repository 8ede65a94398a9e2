// LibnlIpvsClient against the real kernel: services. The errnos asserted here are the ones
// FakeIpvsClient imitates. Where useful the table is cross-checked with ipvsadm's own view.
#include "tests/kernel/kernel_ipvs_fixture.h"

namespace hadirector::ipvs::kernel_test {
namespace {

TEST_F(KernelIpvs, InfoReportsVersionAndTableSize) {
  auto info = client_->get_info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->version_string(), "1.2.1");
  EXPECT_GT(info->connection_table_size, 0u);
}

TEST_F(KernelIpvs, ServicesOfEveryKindListBackAsAdded) {
  Service udp = tcp("10.0.0.1", 53, "rr");
  udp.protocol = Protocol::kUdp;
  Service sctp = tcp("10.0.0.1", 3868, "lc");
  sctp.protocol = Protocol::kSctp;
  Service fwm = tcp("0.0.0.0", 0, "wrr");
  fwm.fwmark = 5;
  Service v6 = tcp("2001:db8::1", 443, "sed");
  Service fwm6 = tcp("::", 0, "nq");
  fwm6.fwmark = 6;
  const std::vector<Service> want = {tcp("10.0.0.1", 80), udp, sctp, fwm, v6, fwm6};
  for (const auto& s : want) ASSERT_TRUE(client_->add_service(s)) << s.name();

  auto got = services();
  ASSERT_EQ(got.size(), want.size());
  for (const auto& s : want) {
    EXPECT_NE(std::find(got.begin(), got.end(), s), got.end()) << s.name();
  }
  const std::string table = run("ipvsadm -Ln");
  for (const char* line : {"TCP  10.0.0.1:80 wlc", "UDP  10.0.0.1:53 rr", "SCTP 10.0.0.1:3868 lc",
                           "FWM  5 wrr", "TCP  [2001:db8::1]:443 sed", "FWM  6 IPv6 nq"}) {
    EXPECT_NE(table.find(line), std::string::npos) << line << " not in:\n" << table;
  }
}

TEST_F(KernelIpvs, DuplicateServiceIsEexistAndMissingServiceIsEsrch) {
  const Service s = tcp("10.0.0.1", 80);
  ASSERT_TRUE(client_->add_service(s));
  auto dup = client_->add_service(s);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().sys_errno(), EEXIST);
  EXPECT_EQ(dup.error().context(), "add service TCP 10.0.0.1:80");

  const Service missing = tcp("10.0.0.9", 80);
  for (auto r : {client_->delete_service(missing), client_->edit_service(missing)}) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().sys_errno(), ESRCH) << r.error().message();
  }
  auto get = client_->get_service(missing);
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().sys_errno(), ESRCH) << get.error().message();
  ASSERT_TRUE(client_->delete_service(s));
  EXPECT_TRUE(services().empty());
}

TEST_F(KernelIpvs, EditChangesSchedulerFlagsAndPersistence) {
  Service s = tcp("10.0.0.1", 80, "rr");
  ASSERT_TRUE(client_->add_service(s));
  s.scheduler = "sh";
  s.flags = kPersistent | kShFallback | kShPort;
  s.timeout = std::chrono::seconds(300);
  s.persistence_prefix = 24;
  ASSERT_TRUE(client_->edit_service(s));
  auto got = client_->get_service(s);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->service, s);
  const std::string table = run("ipvsadm -Ln");
  EXPECT_NE(table.find("persistent 300 mask 255.255.255.0"), std::string::npos) << table;
}

TEST_F(KernelIpvs, EveryScheduler61ShipsIsAccepted) {
  // twos arrived in Linux 6.3; Debian 12's 6.1 does not have it.
  std::uint16_t port = 1000;
  for (const char* sched :
       {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf"}) {
    Service s = tcp("10.0.0.1", port++, sched);
    if (std::string(sched) == "mh") s.flags = kMhFallback | kMhPort;
    ASSERT_TRUE(client_->add_service(s)) << sched;
    auto got = client_->get_service(s);
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_EQ(got->service, s) << sched;
  }
  auto unknown = client_->add_service(tcp("10.0.0.1", 1, "nosuch"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().sys_errno(), ENOENT) << unknown.error().message();
}

TEST_F(KernelIpvs, IPv6PersistencePrefixRoundTrips) {
  Service s = tcp("2001:db8::1", 80, "wlc");
  s.flags = kPersistent | kOnePacket;
  s.timeout = std::chrono::seconds(60);
  s.persistence_prefix = 64;
  ASSERT_TRUE(client_->add_service(s));
  auto got = client_->get_service(s);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->service, s);
}

}  // namespace
}  // namespace hadirector::ipvs::kernel_test
