// LibnlIpvsClient against the real kernel: real servers, timeouts, statistics and the sync
// daemon. The errnos asserted here are the ones FakeIpvsClient imitates.
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "tests/kernel/kernel_ipvs_fixture.h"

namespace hadirector::ipvs::kernel_test {
namespace {

using std::chrono::seconds;

TEST_F(KernelIpvs, DestinationsOfEveryForwardingMethodListBackAsAdded) {
  const Service s = tcp("10.0.0.1", 80);
  ASSERT_TRUE(client_->add_service(s));
  Destination masq = dest("10.0.0.2", 8080, Forwarding::kMasq, 5);
  masq.upper_threshold = 100;
  masq.lower_threshold = 10;
  Destination dr = dest("10.0.0.3", 80, Forwarding::kDirectRoute, 0);
  Destination ipip = dest("10.0.0.4", 80, Forwarding::kTunnel, 2);
  Destination gue = dest("10.0.0.5", 80, Forwarding::kTunnel, 3);
  gue.tunnel_type = TunnelType::kGue;
  gue.tunnel_port = 6080;
  gue.tunnel_flags = kTunnelCsum;
  Destination gre = dest("10.0.0.6", 80, Forwarding::kTunnel, 4);
  gre.tunnel_type = TunnelType::kGre;
  gre.tunnel_flags = kTunnelRemoteCsum;
  const std::vector<Destination> want = {masq, dr, ipip, gue, gre};
  for (const auto& d : want) {
    auto ok = client_->add_destination(s, d);
    ASSERT_TRUE(ok) << ok.error().message();
  }
  auto got = destinations(s);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& d : want) {
    EXPECT_NE(std::find(got.begin(), got.end(), d), got.end()) << d.name();
  }
  const std::string table = run("ipvsadm -Ln");
  for (const char* line : {"-> 10.0.0.2:8080", "Masq    5", "-> 10.0.0.3:80", "Route   0",
                           "-> 10.0.0.4:80", "Tunnel  2"}) {
    EXPECT_NE(table.find(line), std::string::npos) << line << " not in:\n" << table;
  }
}

TEST_F(KernelIpvs, IPv6DestinationOfIPv6Service) {
  const Service s = tcp("2001:db8::1", 80);
  ASSERT_TRUE(client_->add_service(s));
  const Destination d = dest("2001:db8::2", 80, Forwarding::kDirectRoute, 7);
  ASSERT_TRUE(client_->add_destination(s, d));
  EXPECT_EQ(destinations(s), std::vector<Destination>{d});
}

TEST_F(KernelIpvs, DestinationErrorsMatchTheFake) {
  const Service s = tcp("10.0.0.1", 80);
  ASSERT_TRUE(client_->add_service(s));
  const Destination d = dest("10.0.0.2", 80, Forwarding::kMasq);
  ASSERT_TRUE(client_->add_destination(s, d));
  auto dup = client_->add_destination(s, d);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().sys_errno(), EEXIST);
  EXPECT_EQ(dup.error().context(), "add destination 10.0.0.2:80 to TCP 10.0.0.1:80");

  const Destination other = dest("10.0.0.3", 80, Forwarding::kMasq);
  for (auto r : {client_->edit_destination(s, other), client_->delete_destination(s, other)}) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().sys_errno(), ENOENT) << r.error().message();
  }
  auto no_service = client_->add_destination(tcp("10.0.0.9", 80), other);
  ASSERT_FALSE(no_service);
  EXPECT_EQ(no_service.error().sys_errno(), ESRCH) << no_service.error().message();
  // The kernel ends a dump quietly: the real servers of a missing service are an empty list.
  auto list = client_->list_destinations(tcp("10.0.0.9", 80));
  ASSERT_TRUE(list) << list.error().message();
  EXPECT_TRUE(list->empty());

  Destination inverted = other;
  inverted.upper_threshold = 5;
  inverted.lower_threshold = 10;
  auto range = client_->add_destination(s, inverted);
  ASSERT_FALSE(range);
  EXPECT_EQ(range.error().sys_errno(), ERANGE) << range.error().message();
}

TEST_F(KernelIpvs, EditAndDeleteDestination) {
  const Service s = tcp("10.0.0.1", 80);
  ASSERT_TRUE(client_->add_service(s));
  Destination d = dest("10.0.0.2", 80, Forwarding::kDirectRoute, 1);
  ASSERT_TRUE(client_->add_destination(s, d));
  d.weight = 50;
  d.upper_threshold = 1000;
  d.lower_threshold = 500;
  ASSERT_TRUE(client_->edit_destination(s, d));
  EXPECT_EQ(destinations(s), std::vector<Destination>{d});
  ASSERT_TRUE(client_->delete_destination(s, d));
  EXPECT_TRUE(destinations(s).empty());
}

TEST_F(KernelIpvs, FlushRemovesEveryService) {
  ASSERT_TRUE(client_->add_service(tcp("10.0.0.1", 80)));
  ASSERT_TRUE(client_->add_service(tcp("10.0.0.1", 443)));
  ASSERT_TRUE(client_->flush());
  EXPECT_TRUE(services().empty());
}

TEST_F(KernelIpvs, TimeoutsStartAtKernelDefaultsAndZeroKeepsAValue) {
  auto t = client_->get_timeouts();
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(*t, (Timeouts{seconds(900), seconds(120), seconds(300)}));
  ASSERT_TRUE(client_->set_timeouts(Timeouts{seconds(1000), seconds(0), seconds(200)}));
  t = client_->get_timeouts();
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(*t, (Timeouts{seconds(1000), seconds(120), seconds(200)}));
}

TEST_F(KernelIpvs, StatsCountAConnectionThroughTheService) {
  // A local client reaches the service at LOCAL_OUT; the real server is a socket on this host.
  const Service s = tcp("10.0.0.1", 80, "rr");
  const Destination d = dest("10.0.0.254", 8080, Forwarding::kMasq);
  ASSERT_TRUE(client_->add_service(s));
  ASSERT_TRUE(client_->add_destination(s, d));
  auto zero = client_->service_stats(s);
  ASSERT_TRUE(zero) << zero.error().message();
  EXPECT_EQ(zero->connections, 0u);

  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(8080);
  inet_pton(AF_INET, "10.0.0.254", &addr.sin_addr);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  const int conn = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  addr.sin_port = htons(80);
  inet_pton(AF_INET, "10.0.0.1", &addr.sin_addr);
  connect(conn, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));

  // The SYN is scheduled as it leaves; whether the handshake completes does not matter here.
  // Counters are per-CPU and summed on read, so poll briefly instead of sleeping a fixed time.
  core::Result<Stats> svc, dst;
  const auto deadline = std::chrono::steady_clock::now() + seconds(5);
  do {
    svc = client_->service_stats(s);
    dst = client_->destination_stats(s, d);
    ASSERT_TRUE(svc) << svc.error().message();
    ASSERT_TRUE(dst) << dst.error().message();
    if (svc->connections > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(svc->connections, 1u);
  EXPECT_EQ(dst->connections, 1u);
  EXPECT_GE(svc->in_packets, 1u);
  close(conn);
  close(listener);
  auto missing = client_->destination_stats(s, dest("10.0.0.7", 80, Forwarding::kMasq));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().sys_errno(), ENOENT);
}

TEST_F(KernelIpvs, SyncDaemonsStartListAndStop) {
  SyncDaemon master{SyncState::kMaster, "hd0", 7, 0, std::nullopt, 0, 0};
  SyncDaemon backup{SyncState::kBackup, "hd0", 7, 1400, ip("239.1.2.3"), 9000, 2};
  auto ok = client_->start_sync_daemon(master);
  ASSERT_TRUE(ok) << ok.error().message();
  ok = client_->start_sync_daemon(backup);
  ASSERT_TRUE(ok) << ok.error().message();
  auto dup = client_->start_sync_daemon(master);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().sys_errno(), EEXIST) << dup.error().message();

  auto list = client_->list_sync_daemons();
  ASSERT_TRUE(list) << list.error().message();
  ASSERT_EQ(list->size(), 2u);
  const SyncDaemon& m = (*list)[0].state == SyncState::kMaster ? (*list)[0] : (*list)[1];
  const SyncDaemon& b = (*list)[0].state == SyncState::kBackup ? (*list)[0] : (*list)[1];
  // Defaults the kernel filled in: group 224.0.0.81, port 8848, TTL 1, payload for MTU 1500.
  EXPECT_EQ(m, (SyncDaemon{SyncState::kMaster, "hd0", 7, 1472, ip("224.0.0.81"), 8848, 1}));
  EXPECT_EQ(b, backup);
  EXPECT_NE(run("ipvsadm -L --daemon").find("master sync daemon (mcast=hd0, syncid=7"),
            std::string::npos);

  ASSERT_TRUE(client_->stop_sync_daemon(SyncState::kMaster));
  auto again = client_->stop_sync_daemon(SyncState::kMaster);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().sys_errno(), ESRCH) << again.error().message();
  list = client_->list_sync_daemons();
  ASSERT_TRUE(list) << list.error().message();
  EXPECT_EQ(*list, std::vector<SyncDaemon>{backup});
  ASSERT_TRUE(client_->stop_sync_daemon(SyncState::kBackup));
}

}  // namespace
}  // namespace hadirector::ipvs::kernel_test
