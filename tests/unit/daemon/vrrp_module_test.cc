// VrrpModule on fake kernel doors: a reload touches only what changed (an unchanged instance
// keeps its object, state and socket; a removed master resigns with priority 0), relayed
// virtual-server health changes the effective priority, transitions reach the event stream,
// and status() has the documented fields. Owners (priority 255) are MASTER at once, so no
// test needs time to pass.
#include <gtest/gtest.h>

#include "daemon/vrrp_module.h"
#include "tests/fakes/fake_vrrp_io.h"
#include "vrrp/io/address_convert.h"
#include "vrrp/packet.h"

namespace hadirector::daemon {
namespace {

using testing::FakeAddressManager;
using testing::FakeVrrpSocket;

config::VrrpInstance owner(const std::string& name, int vrid, const std::string& vip) {
  config::VrrpInstance c;
  c.name = name;
  c.interface = "eth0";
  c.vrid = vrid;
  c.priority = 255;
  c.advert_interval = std::chrono::milliseconds(100);
  c.virtual_addresses = {*config::IpPrefix::from_string(vip)};
  c.family = AF_INET;
  return c;
}

class VrrpModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_ = std::move(*core::EventLoop::create());
    auto addresses = std::make_unique<FakeAddressManager>();
    addresses->add_link("eth0", 2);
    (void)addresses->add_address("eth0", *config::IpPrefix::from_string("192.0.2.1/24"));
    addresses_ = addresses.get();
    auto links = std::make_unique<testing::FakeLinkMonitor>();
    links->set_link({2, "eth0", true, true, true});
    VrrpIo io{std::move(addresses), std::move(links),
              std::make_unique<testing::FakeGratuitousSender>(),
              [this](int ifindex, vrrp::Family family) {
                auto s = std::make_unique<FakeVrrpSocket>(ifindex, family);
                socket_ = s.get();
                ++sockets_opened_;
                return core::Result<std::unique_ptr<vrrp::VrrpSocket>>(std::move(s));
              },
              /*vmac=*/nullptr,
              /*open_send_socket=*/{},
              /*launcher=*/{}};
    WorkerContext ctx{*loop_, [this](nlohmann::json e) { events_.push_back(std::move(e)); },
                      [](const std::string&, nlohmann::json) {}};
    module_ = std::make_unique<VrrpModule>(ctx, std::move(io));
  }
  bool has(const std::string& vip) {
    auto list = addresses_->addresses("eth0");
    return std::ranges::find(*list, *config::IpPrefix::from_string(vip)) != list->end();
  }
  // The priority of the last advert sent for `vrid`.
  int last_priority(int vrid) {
    for (auto it = socket_->sent().rbegin(); it != socket_->sent().rend(); ++it) {
      auto a = vrrp::decode_advert(it->payload, vrrp::Family::kIpv4);
      if (a && a->vrid == vrid) return a->priority;
    }
    return -1;
  }

  std::unique_ptr<core::EventLoop> loop_;
  FakeAddressManager* addresses_ = nullptr;
  FakeVrrpSocket* socket_ = nullptr;
  int sockets_opened_ = 0;
  std::vector<nlohmann::json> events_;
  std::unique_ptr<VrrpModule> module_;
};

TEST_F(VrrpModuleTest, ConfigureStartsEveryInstanceAndEmitsTransitionEvents) {
  config::Config c;
  c.vrrp.instances = {owner("web", 51, "192.0.2.100/24"), owner("db", 52, "192.0.2.150/24")};
  ASSERT_TRUE(module_->configure(c));
  EXPECT_EQ(module_->instance("web")->state(), vrrp::State::kMaster);
  EXPECT_TRUE(has("192.0.2.100/24"));
  EXPECT_TRUE(has("192.0.2.150/24"));
  EXPECT_EQ(sockets_opened_, 1);  // shared by both instances
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0]["kind"], "vrrp");
  EXPECT_EQ(events_[0]["to"], "MASTER");
  EXPECT_EQ(events_[0]["reason"], "priority_255_owner");
  EXPECT_EQ(events_[0]["priority"], 255);
  EXPECT_TRUE(events_[0]["time"].is_string());
}

TEST_F(VrrpModuleTest, ReloadTouchesOnlyTheChangedInstances) {
  config::Config c;
  c.vrrp.instances = {owner("web", 51, "192.0.2.100/24"), owner("db", 52, "192.0.2.150/24")};
  ASSERT_TRUE(module_->configure(c));
  const vrrp::VrrpInstance* web = module_->instance("web");
  const uint64_t web_sent = web->counters().adverts_sent;
  events_.clear();
  config::Config next = c;
  next.vrrp.instances = {owner("web", 51, "192.0.2.100/24"), owner("api", 53, "192.0.2.160/24")};
  ASSERT_TRUE(module_->reconfigure(c, next, config::diff(c, next)));
  EXPECT_EQ(module_->instance("web"), web);
  EXPECT_EQ(web->counters().adverts_sent, web_sent);  // not restarted, not re-announced
  EXPECT_EQ(module_->instance("db"), nullptr);
  EXPECT_EQ(last_priority(52), 0);  // the removed master resigned
  EXPECT_FALSE(has("192.0.2.150/24"));
  EXPECT_TRUE(has("192.0.2.160/24"));
  ASSERT_EQ(events_.size(), 2u);  // db: MASTER -> INIT, api: INIT -> MASTER; nothing for web
  EXPECT_EQ(events_[0]["instance"], "db");
  EXPECT_EQ(events_[0]["reason"], "shutdown");
  EXPECT_EQ(events_[1]["instance"], "api");
}

TEST_F(VrrpModuleTest, ReloadAddsAndRemovesSingleVipsInPlace) {
  config::Config c;
  c.vrrp.instances = {owner("web", 51, "192.0.2.100/24")};
  ASSERT_TRUE(module_->configure(c));
  const vrrp::VrrpInstance* web = module_->instance("web");
  events_.clear();
  config::Config next = c;
  next.vrrp.instances[0].virtual_addresses.push_back(
      *config::IpPrefix::from_string("192.0.2.101/24"));
  ASSERT_TRUE(module_->reconfigure(c, next, config::diff(c, next)));
  EXPECT_EQ(module_->instance("web"), web);
  EXPECT_TRUE(has("192.0.2.101/24"));
  EXPECT_TRUE(has("192.0.2.100/24"));
  EXPECT_TRUE(events_.empty());
}

TEST_F(VrrpModuleTest, RelayedQuorumLossAppliesTheTrackedWeight) {
  config::Config c;
  auto web = owner("web", 51, "192.0.2.100/24");
  web.priority = 150;
  web.track.virtual_servers = {{"web-http", -50}};
  c.vrrp.instances = {web};
  ASSERT_TRUE(module_->configure(c));
  EXPECT_EQ(module_->instance("web")->effective_priority(), 150);
  module_->on_relay("checker", {{"virtual_server_health", {{"web-http", false}}}});
  EXPECT_EQ(module_->instance("web")->effective_priority(), 100);
  module_->on_relay("checker", {{"virtual_server_health", {{"web-http", true}}}});
  EXPECT_EQ(module_->instance("web")->effective_priority(), 150);
}

TEST_F(VrrpModuleTest, StatusListsInstancesWithCountersAndDrops) {
  config::Config c;
  c.vrrp.instances = {owner("web", 51, "192.0.2.100/24")};
  ASSERT_TRUE(module_->configure(c));
  auto s = module_->status()["vrrp"]["instances"];
  ASSERT_EQ(s.size(), 1u);
  for (const char* key : {"name", "state", "priority", "effective_priority", "vrid", "interface",
                          "version", "master_address", "advert_interval_ms", "vips", "counters",
                          "drops"})
    EXPECT_TRUE(s[0].contains(key)) << key;
  EXPECT_EQ(s[0]["state"], "MASTER");
  EXPECT_EQ(s[0]["master_address"], "192.0.2.1");
  EXPECT_EQ(s[0]["advert_interval_ms"], 100);
  EXPECT_EQ(s[0]["vips"][0], "192.0.2.100/24");
  EXPECT_GE(s[0]["counters"]["adverts_sent"].get<int>(), 1);
  EXPECT_EQ(s[0]["drops"]["vrrpv3StatisticsIpTtlErrors"], 0);
}

TEST_F(VrrpModuleTest, StopResignsEveryMaster) {
  config::Config c;
  c.vrrp.instances = {owner("web", 51, "192.0.2.100/24")};
  ASSERT_TRUE(module_->configure(c));
  bool done = false;
  module_->stop([&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_EQ(last_priority(51), 0);
  EXPECT_FALSE(has("192.0.2.100/24"));
}

}  // namespace
}  // namespace hadirector::daemon
