// FakeIpvsClient behaves like the kernel (errnos checked against it by tests/kernel) and keeps
// a log that component tests assert on. Also the value types' names used in every message.
#include "tests/fakes/fake_ipvs_client.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace hadirector::testing {
namespace {

using ipvs::Destination;
using ipvs::Forwarding;
using ipvs::IpAddress;
using ipvs::Service;
using ipvs::SyncDaemon;
using ipvs::SyncState;
using std::chrono::seconds;

Service tcp(const char* addr, std::uint16_t port, const char* sched = "wlc") {
  Service s;
  s.address = *IpAddress::parse(addr);
  s.port = port;
  s.scheduler = sched;
  return s;
}

Destination dest(const char* addr, std::uint16_t port, int weight = 1) {
  Destination d;
  d.address = *IpAddress::parse(addr);
  d.port = port;
  d.weight = weight;
  return d;
}

TEST(IpvsTypes, NamesReadLikeIpvsadm) {
  EXPECT_EQ(tcp("10.0.0.1", 80).name(), "TCP 10.0.0.1:80");
  EXPECT_EQ(tcp("2001:db8::1", 443).name(), "TCP [2001:db8::1]:443");
  Service fwm = tcp("::", 0);
  fwm.fwmark = 6;
  EXPECT_EQ(fwm.name(), "FWM 6 IPv6");
  EXPECT_EQ(dest("10.0.0.2", 8080).name(), "10.0.0.2:8080");
  EXPECT_FALSE(IpAddress::parse("10.0.0.300"));
}

TEST(IpvsTypes, ServiceKeyIgnoresSchedulerAndFwmarkIgnoresAddress) {
  EXPECT_TRUE(tcp("10.0.0.1", 80, "rr").same_key(tcp("10.0.0.1", 80, "sh")));
  EXPECT_FALSE(tcp("10.0.0.1", 80).same_key(tcp("10.0.0.1", 81)));
  Service a = tcp("0.0.0.0", 0), b = tcp("0.0.0.0", 0);
  a.fwmark = b.fwmark = 5;
  b.port = 9;
  EXPECT_TRUE(a.same_key(b));
}

TEST(FakeIpvsClient, DuplicateServiceIsEexistWithOperationAndObjectInTheMessage) {
  FakeIpvsClient fake;
  ASSERT_TRUE(fake.add_service(tcp("10.0.0.1", 80)));
  auto dup = fake.add_service(tcp("10.0.0.1", 80, "rr"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().sys_errno(), EEXIST);
  EXPECT_EQ(dup.error().context(), "add service TCP 10.0.0.1:80");
}

TEST(FakeIpvsClient, MissingServiceIsEsrchAndUnknownSchedulerEnoent) {
  FakeIpvsClient fake;
  EXPECT_EQ(fake.delete_service(tcp("10.0.0.1", 80)).error().sys_errno(), ESRCH);
  EXPECT_EQ(fake.edit_service(tcp("10.0.0.1", 80)).error().sys_errno(), ESRCH);
  EXPECT_EQ(fake.get_service(tcp("10.0.0.1", 80)).error().sys_errno(), ESRCH);
  EXPECT_EQ(fake.add_destination(tcp("10.0.0.1", 80), dest("10.0.0.2", 80)).error().sys_errno(),
            ESRCH);
  EXPECT_EQ(fake.add_service(tcp("10.0.0.1", 80, "nosuch")).error().sys_errno(), ENOENT);
  auto list = fake.list_destinations(tcp("10.0.0.1", 80));
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST(FakeIpvsClient, EditServiceReplacesSettingsKeptByKey) {
  FakeIpvsClient fake;
  ASSERT_TRUE(fake.add_service(tcp("10.0.0.1", 80, "rr")));
  Service edited = tcp("10.0.0.1", 80, "sh");
  edited.flags = ipvs::kPersistent | ipvs::kShPort;
  edited.timeout = seconds(300);
  ASSERT_TRUE(fake.edit_service(edited));
  auto got = fake.get_service(tcp("10.0.0.1", 80));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->service, edited);
}

TEST(FakeIpvsClient, DestinationLifecycleAndKernelErrnos) {
  FakeIpvsClient fake;
  const Service s = tcp("10.0.0.1", 80);
  ASSERT_TRUE(fake.add_service(s));
  Destination d = dest("10.0.0.2", 80, 5);
  ASSERT_TRUE(fake.add_destination(s, d));
  EXPECT_EQ(fake.add_destination(s, d).error().sys_errno(), EEXIST);
  EXPECT_EQ(fake.edit_destination(s, dest("10.0.0.3", 80)).error().sys_errno(), ENOENT);
  EXPECT_EQ(fake.delete_destination(s, dest("10.0.0.3", 80)).error().sys_errno(), ENOENT);
  Destination inverted = dest("10.0.0.4", 80);
  inverted.upper_threshold = 5;
  inverted.lower_threshold = 10;
  EXPECT_EQ(fake.add_destination(s, inverted).error().sys_errno(), ERANGE);
  Destination v6 = dest("2001:db8::2", 80);
  EXPECT_EQ(fake.add_destination(s, v6).error().sys_errno(), EINVAL);
  v6.forwarding = Forwarding::kTunnel;
  EXPECT_TRUE(fake.add_destination(s, v6));

  d.weight = 0;
  ASSERT_TRUE(fake.edit_destination(s, d));
  auto list = fake.list_destinations(s);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].destination.weight, 0);
  ASSERT_TRUE(fake.delete_destination(s, d));
  ASSERT_TRUE(fake.delete_service(s));
  EXPECT_TRUE(fake.list_services()->empty());
}

TEST(FakeIpvsClient, StatsAreWhatTheTestSet) {
  FakeIpvsClient fake;
  const Service s = tcp("10.0.0.1", 80);
  const Destination d = dest("10.0.0.2", 80);
  ASSERT_TRUE(fake.add_service(s));
  ASSERT_TRUE(fake.add_destination(s, d));
  fake.set_service_stats(s, ipvs::Stats{.connections = 7});
  fake.set_destination_stats(s, d, ipvs::Stats{.connections = 3});
  EXPECT_EQ(fake.service_stats(s)->connections, 7u);
  EXPECT_EQ(fake.destination_stats(s, d)->connections, 3u);
  EXPECT_EQ(fake.destination_stats(s, dest("10.0.0.9", 80)).error().sys_errno(), ENOENT);
}

TEST(FakeIpvsClient, TimeoutsStartAtKernelDefaultsAndZeroKeepsAValue) {
  FakeIpvsClient fake;
  EXPECT_EQ(*fake.get_timeouts(), (ipvs::Timeouts{seconds(900), seconds(120), seconds(300)}));
  ASSERT_TRUE(fake.set_timeouts({seconds(1000), seconds(0), seconds(200)}));
  EXPECT_EQ(*fake.get_timeouts(), (ipvs::Timeouts{seconds(1000), seconds(120), seconds(200)}));
}

TEST(FakeIpvsClient, SyncDaemonsGetKernelDefaultsOnePerState) {
  FakeIpvsClient fake;
  ASSERT_TRUE(fake.start_sync_daemon(SyncDaemon{SyncState::kMaster, "eth1", 7, 0, {}, 0, 0}));
  EXPECT_EQ(fake.start_sync_daemon(SyncDaemon{SyncState::kMaster, "eth2", 8, 0, {}, 0, 0})
                .error()
                .sys_errno(),
            EEXIST);
  auto list = fake.list_sync_daemons();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0], (SyncDaemon{SyncState::kMaster, "eth1", 7, 1472,
                                    *IpAddress::parse("224.0.0.81"), 8848, 1}));
  EXPECT_EQ(fake.stop_sync_daemon(SyncState::kBackup).error().sys_errno(), ESRCH);
  ASSERT_TRUE(fake.stop_sync_daemon(SyncState::kMaster));
  EXPECT_TRUE(fake.list_sync_daemons()->empty());
}

TEST(FakeIpvsClient, LogsEveryCallAndFailsOnceOnRequest) {
  FakeIpvsClient fake;
  fake.fail_next("add_service", ENOMEM);
  auto failed = fake.add_service(tcp("10.0.0.1", 80));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().sys_errno(), ENOMEM);
  ASSERT_TRUE(fake.add_service(tcp("10.0.0.1", 80)));
  ASSERT_TRUE(fake.add_destination(tcp("10.0.0.1", 80), dest("10.0.0.2", 80)));
  EXPECT_EQ(fake.log(),
            (std::vector<std::string>{"add_service TCP 10.0.0.1:80", "add_service TCP 10.0.0.1:80",
                                      "add_destination TCP 10.0.0.1:80 10.0.0.2:80"}));
  fake.clear_log();
  EXPECT_TRUE(fake.log().empty());
}

}  // namespace
}  // namespace hadirector::testing
