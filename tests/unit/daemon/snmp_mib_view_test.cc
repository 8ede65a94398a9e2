// The SNMP view: OIDs and values of the VRRPv3-MIB (RFC 6527) and HADIRECTOR-MIB rows built
// from a status document, GETNEXT order, and the notifications' varbinds.
#include "daemon/snmp_mib_view.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace hadirector::daemon::snmp {
namespace {

Oid oid(const Oid& root, std::initializer_list<uint32_t> tail) {
  Oid o = root;
  o.insert(o.end(), tail);
  return o;
}

class MibViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::VrrpInstance web;
    web.name = "web";
    web.interface = "eth0";
    web.vrid = 51;
    web.family = AF_INET;
    web.priority = 150;
    web.advert_interval = std::chrono::milliseconds(100);
    web.virtual_addresses = {*config::IpPrefix::from_string("192.0.2.100/24"),
                             *config::IpPrefix::from_string("192.0.2.50/32")};
    web.accept = true;
    config_.vrrp.instances.push_back(web);
    status_ = nlohmann::json::parse(R"({
      "generation": 3, "ipvs": "ok",
      "vrrp": {"instances": [{"name": "web", "state": "MASTER", "effective_priority": 120,
                              "master_address": "192.0.2.1",
                              "counters": {"became_master": 2, "adverts_received": 7,
                                           "priority_zero_received": 1,
                                           "priority_zero_sent": 6,
                                           "last_transition": {"to": "MASTER",
                                                               "reason": "preempted-lower-priority"}},
                              "drops": {"vrrpv3StatisticsIpTtlErrors": 4,
                                        "vrrpv3RouterChecksumErrors": 5}}]},
      "virtual_servers": [{"name": "http", "address": "192.0.2.100:80", "protocol": "tcp",
                           "scheduler": "wlc", "quorum_ok": true,
                           "services": [{"name": "a", "stats": {"connections": 5, "in_bytes": 900},
                                         "destinations": [{"address": "198.51.100.2:80",
                                                           "active_connections": 3,
                                                           "stats": {"connections": 4}}]},
                                        {"name": "b", "stats": {"connections": 2},
                                         "destinations": [{"address": "198.51.100.2:80",
                                                           "active_connections": 1,
                                                           "stats": {"connections": 1}}]}],
                           "real_servers": [{"address": "198.51.100.1:80", "weight": 0,
                                             "configured_weight": 100, "healthy": false,
                                             "state": "down", "reason": "timeout"},
                                            {"address": "198.51.100.2:80", "weight": 100,
                                             "configured_weight": 100, "healthy": true,
                                             "state": "up", "reason": "ok"}]}]})");
  }
  MibView view() {
    return MibView(
        ViewInputs{status_, config_, [](const std::string&) { return 7u; }, {{"web", 1234}}});
  }
  config::Config config_;
  nlohmann::json status_;
};

TEST_F(MibViewTest, OperationsRowIsIndexedByIfIndexVridAndAddressType) {
  auto v = view();
  const Oid entry = oid(vrrpv3_mib(), {1, 1, 1, 1});
  auto col = [&](uint32_t c) { return MibView::get(v.vrrp(), oid(entry, {c, 7, 51, 1})); };
  ASSERT_NE(col(6), nullptr);
  EXPECT_EQ(*col(3), Value::octets_of(std::string("\xc0\x00\x02\x01", 4)));
  EXPECT_EQ(*col(5), Value::octets_of(std::string("\x00\x00\x5e\x00\x01\x33", 6)));
  EXPECT_EQ(*col(6), Value::integer(3));       // master
  EXPECT_EQ(*col(7), Value::unsigned32(120));  // the priority in use, not the configured one
  EXPECT_EQ(*col(8), Value::integer(2));
  EXPECT_EQ(*col(9), Value::integer(10));  // centiseconds
  EXPECT_EQ(*col(11), Value::integer(1));  // accept mode true
  EXPECT_EQ(*col(12), Value::timeticks(1234));
}

TEST_F(MibViewTest, StatisticsCarryTheDropCountersByTheirRfc6527Names) {
  auto v = view();
  const Oid entry = oid(vrrpv3_mib(), {1, 2, 5, 1});
  auto col = [&](uint32_t c) { return *MibView::get(v.vrrp(), oid(entry, {c, 7, 51, 1})); };
  EXPECT_EQ(col(1), Value::counter32(2));
  EXPECT_EQ(col(2), Value::integer(2));  // preempted
  EXPECT_EQ(col(3), Value::counter64(7));
  EXPECT_EQ(col(5), Value::counter64(4));
  EXPECT_EQ(col(7), Value::counter64(1));  // vrrpv3StatisticsPriZeroPktsRcvd
  EXPECT_EQ(col(8), Value::counter64(6));  // vrrpv3StatisticsPriZeroPktsSent
  EXPECT_EQ(*MibView::get(v.vrrp(), oid(vrrpv3_mib(), {1, 2, 1, 0})), Value::counter64(5));
}

TEST_F(MibViewTest, GetNextWalksInLexicographicOrderAndEnds) {
  auto v = view();
  const auto* first = MibView::next(v.vrrp(), vrrpv3_mib());
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->first, oid(vrrpv3_mib(), {1, 1, 1, 1, 3, 7, 51, 1}));
  size_t n = 0;
  Oid at = vrrpv3_mib();
  while (const auto* next = MibView::next(v.vrrp(), at)) {
    EXPECT_LT(at, next->first);
    at = next->first;
    ++n;
  }
  EXPECT_EQ(n, v.vrrp().size());
  EXPECT_EQ(MibView::get(v.vrrp(), oid(vrrpv3_mib(), {1, 1, 1, 1, 6, 7, 52, 1})), nullptr);
}

TEST_F(MibViewTest, AssociatedAddressRowsAreIndexedByTheAddressAndActive) {
  auto v = view();
  // vrrpv3AssociatedIpAddrRowStatus.ifIndex.vrid.ipv4(1).len.a.b.c.d
  const Oid status = oid(vrrpv3_mib(), {1, 1, 2, 1, 2});
  const Oid vip100 = oid(status, {7, 51, 1, 4, 192, 0, 2, 100});
  const Oid vip50 = oid(status, {7, 51, 1, 4, 192, 0, 2, 50});
  ASSERT_NE(MibView::get(v.vrrp(), vip100), nullptr);
  EXPECT_EQ(*MibView::get(v.vrrp(), vip100), Value::integer(1));  // active
  EXPECT_EQ(*MibView::get(v.vrrp(), vip50), Value::integer(1));
  // The address column is not-accessible: no instances under column 1.
  const auto* first = MibView::next(v.vrrp(), oid(vrrpv3_mib(), {1, 1, 2}));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->first, vip50);  // .50 sorts before .100
  const auto* second = MibView::next(v.vrrp(), vip50);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->first, vip100);
  // After the last row the walk leaves the table for the statistics.
  const auto* after = MibView::next(v.vrrp(), vip100);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(Oid(after->first.begin(), after->first.begin() + 9), oid(vrrpv3_mib(), {1, 2}));
}

TEST_F(MibViewTest, ProtoErrorNotificationNamesTheErrorThatRoseMost) {
  const Oid reason = oid(vrrpv3_mib(), {1, 2, 5, 1, 6, 7, 51, 1});
  // The first view is a baseline: counters already there are not news.
  MibView before = view();
  EXPECT_TRUE(before.take_proto_errors(MibView()).empty());
  EXPECT_EQ(*MibView::get(before.vrrp(), reason), Value::integer(0));  // noError
  auto& drops = status_["vrrp"]["instances"][0]["drops"];
  drops["vrrpv3StatisticsIpTtlErrors"] = 5u;  // +1
  drops["vrrpv3RouterChecksumErrors"] = 9u;   // +4
  MibView after = view();
  auto traps = after.take_proto_errors(before);
  ASSERT_EQ(traps.size(), 1u);
  ASSERT_EQ(traps["web"].size(), 2u);
  EXPECT_EQ(traps["web"][0].oid, snmp_trap_oid());
  EXPECT_EQ(traps["web"][0].value, Value::oid_of(oid(vrrpv3_mib(), {0, 2})));  // vrrpv3ProtoError
  EXPECT_EQ(traps["web"][1].oid, reason);
  EXPECT_EQ(traps["web"][1].value, Value::integer(3));  // checksumError
  EXPECT_EQ(*MibView::get(after.vrrp(), reason), Value::integer(3));
  // Nothing new: no notification, and the last reason stays readable.
  MibView quiet = view();
  EXPECT_TRUE(quiet.take_proto_errors(after).empty());
  EXPECT_EQ(*MibView::get(quiet.vrrp(), reason), Value::integer(3));
  // Counters that went back (a restarted VRRP worker) are not a rise.
  drops["vrrpv3RouterChecksumErrors"] = 0u;
  EXPECT_TRUE(view().take_proto_errors(quiet).empty());
}

TEST(NotifyThrottle, OnePerKeyPerInterval) {
  NotifyThrottle throttle(std::chrono::seconds(60));
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(throttle.allow("web", t0));
  EXPECT_FALSE(throttle.allow("web", t0 + std::chrono::seconds(30)));
  EXPECT_TRUE(throttle.allow("db", t0 + std::chrono::seconds(30)));
  EXPECT_TRUE(throttle.allow("web", t0 + std::chrono::seconds(60)));
  EXPECT_FALSE(throttle.allow("web", t0 + std::chrono::seconds(61)));
}

TEST_F(MibViewTest, RealServerRowsAndTheirStateChangeNotification) {
  auto v = view();
  const Oid rs = oid(hadirector_mib(), {1, 3, 1});
  EXPECT_EQ(*MibView::get(v.hadirector(), oid(rs, {3, 1, 1})), Value::integer(2));  // down
  EXPECT_EQ(*MibView::get(v.hadirector(), oid(rs, {3, 1, 2})), Value::integer(1));  // up
  EXPECT_EQ(*MibView::get(v.hadirector(), oid(rs, {5, 1, 2})), Value::integer(100));
  // IPVS counters: summed over the virtual server's services (a group has several).
  const Oid vs = oid(hadirector_mib(), {1, 2, 1});
  EXPECT_EQ(*MibView::get(v.hadirector(), oid(vs, {9, 1})), Value::counter64(7));
  EXPECT_EQ(*MibView::get(v.hadirector(), oid(vs, {12, 1})), Value::counter64(900));
  EXPECT_EQ(*MibView::get(v.hadirector(), oid(rs, {8, 1, 2})), Value::gauge(4));
  EXPECT_EQ(*MibView::get(v.hadirector(), oid(rs, {10, 1, 2})), Value::counter64(5));
  EXPECT_EQ(*MibView::get(v.hadirector(), oid(rs, {10, 1, 1})), Value::counter64(0));
  EXPECT_EQ(*MibView::get(v.hadirector(), oid(hadirector_mib(), {1, 2, 1, 8, 1})),
            Value::gauge(1));  // real servers up
  auto trap = v.real_server_change("http", "198.51.100.2:80", "ok");
  ASSERT_TRUE(trap);
  ASSERT_EQ(trap->size(), 5u);
  EXPECT_EQ((*trap)[0].oid, snmp_trap_oid());
  EXPECT_EQ((*trap)[0].value, Value::oid_of(oid(hadirector_mib(), {0, 1})));
  EXPECT_EQ((*trap)[3].oid, oid(rs, {3, 1, 2}));
  EXPECT_FALSE(v.real_server_change("http", "203.0.113.9:80", "ok"));
}

TEST_F(MibViewTest, NewMasterNotificationNamesTheReason) {
  auto trap = view().new_master("web", "master_down_timer");
  ASSERT_TRUE(trap);
  ASSERT_EQ(trap->size(), 3u);
  EXPECT_EQ((*trap)[0].value, Value::oid_of(oid(vrrpv3_mib(), {0, 1})));
  EXPECT_EQ((*trap)[2].value, Value::integer(3));  // masterNoResponse
  EXPECT_EQ(new_master_reason("priority-255-owner"), 1);
  EXPECT_FALSE(view().new_master("other", "startup"));
}

}  // namespace
}  // namespace hadirector::daemon::snmp
