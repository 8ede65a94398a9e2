// VrrpModule on fake kernel doors: a reload touches only what changed (an unchanged instance
// keeps its object, state and socket; a removed master resigns with priority 0), relayed
// virtual-server health changes the effective priority, transitions reach the event stream,
// and status() has the documented fields. Owners (priority 255) are MASTER at once, so no
// test needs time to pass, except the demote tests, which wait (bounded) for a non-owner to
// take over: demote/restore change the advertised priority, persist in the state directory and
// reach the event stream; an owner is refused.
#include "daemon/vrrp_module.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

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
    VrrpIo io{std::move(addresses),
              std::move(links),
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
                      [this](const std::string& to, nlohmann::json m) {
                        relays_.emplace_back(to, std::move(m));
                      }};
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
  // A non-owner instance (priority 150) whose state lives in a fresh temporary state_dir.
  config::Config demotable() {
    if (state_dir_.empty()) {
      char dir[] = "/tmp/hd-demote-unit-XXXXXX";
      state_dir_ = ::mkdtemp(dir);
    }
    config::Config c;
    c.global.state_dir = state_dir_;
    auto web = owner("web", 51, "192.0.2.100/24");
    web.priority = 150;
    c.vrrp.instances = {web};
    return c;
  }
  void TearDown() override {
    module_.reset();
    if (!state_dir_.empty()) std::filesystem::remove_all(state_dir_);
  }
  bool becomes_master() {
    auto done =
        loop_->run_until([&] { return module_->instance("web")->state() == vrrp::State::kMaster; },
                         std::chrono::seconds(5));
    return done && *done;
  }
  nlohmann::json command(const std::string& cmd, const std::string& instance) {
    return module_->command({{"cmd", cmd}, {"instance", instance}});
  }

  std::string state_dir_;

  std::unique_ptr<core::EventLoop> loop_;
  FakeAddressManager* addresses_ = nullptr;
  FakeVrrpSocket* socket_ = nullptr;
  int sockets_opened_ = 0;
  std::vector<nlohmann::json> events_;
  std::vector<std::pair<std::string, nlohmann::json>> relays_;
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

TEST_F(VrrpModuleTest, ABurstOfTransitionsReachesTheCheckerAsOneMessageWithEveryState) {
  config::Config c;
  for (int i = 0; i < 50; ++i) {
    c.vrrp.instances.push_back(owner("vi" + std::to_string(i), 1 + i,
                                     "192.0.2." + std::to_string(100 + i) + "/24"));
    config::VirtualServer vs;  // the checker is told only the states it follows
    vs.name = "vs" + std::to_string(i);
    vs.follow_instance = "vi" + std::to_string(i);
    c.virtual_servers.push_back(std::move(vs));
  }
  c.vrrp.instances.push_back(owner("unfollowed", 60, "192.0.2.200/24"));
  ASSERT_TRUE(module_->configure(c));  // 50 transitions to MASTER
  EXPECT_TRUE(relays_.empty());
  auto done = loop_->run_until([&] { return !relays_.empty(); }, std::chrono::seconds(1));
  ASSERT_TRUE(done && *done);
  ASSERT_TRUE(loop_->run_once(std::chrono::milliseconds(20)).has_value());
  ASSERT_EQ(relays_.size(), 1u);
  EXPECT_EQ(relays_[0].first, "checker");
  const auto& states = relays_[0].second["vrrp_states"];
  EXPECT_EQ(states.size(), 50u);
  EXPECT_EQ(states["vi49"], "MASTER");
  EXPECT_FALSE(states.contains("unfollowed"));
}

TEST_F(VrrpModuleTest, AReloadThatFollowsAnInstanceTellsTheCheckerItsState) {
  config::Config c;
  c.vrrp.instances.push_back(owner("web", 1, "192.0.2.100/24"));
  ASSERT_TRUE(module_->configure(c));
  (void)loop_->run_until([] { return false; }, std::chrono::milliseconds(30));
  EXPECT_TRUE(relays_.empty());  // nothing follows it: the checker needs no state
  config::Config next = c;
  config::SyncConfig sync;
  sync.follow_instance = "web";
  next.sync = sync;
  ASSERT_TRUE(module_->reconfigure(next));
  auto done = loop_->run_until([&] { return !relays_.empty(); }, std::chrono::seconds(1));
  ASSERT_TRUE(done && *done);
  EXPECT_EQ(relays_[0].second["vrrp_states"]["web"], "MASTER");
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
  ASSERT_TRUE(module_->reconfigure(next));
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
  ASSERT_TRUE(module_->reconfigure(next));
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
  for (const char* key :
       {"name", "state", "priority", "effective_priority", "vrid", "interface", "version",
        "master_address", "advert_interval_ms", "vips", "counters", "drops"})
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

TEST_F(VrrpModuleTest, DemoteMakesAMasterAdvertisePriorityOneUntilRestored) {
  ASSERT_TRUE(module_->configure(demotable()));
  ASSERT_TRUE(becomes_master());
  events_.clear();

  auto reply = command("demote", "web");
  ASSERT_EQ(reply["ok"], true) << reply.dump();
  EXPECT_EQ(last_priority(51), 1);  // said at once, not at the next advert timer
  EXPECT_EQ(module_->instance("web")->effective_priority(), 1);
  EXPECT_TRUE(module_->demoted("web"));
  EXPECT_EQ(module_->status()["vrrp"]["instances"][0]["demoted"], true);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0]["kind"], "vrrp");
  EXPECT_EQ(events_[0]["instance"], "web");
  EXPECT_EQ(events_[0]["reason"], "demoted");
  EXPECT_EQ(events_[0]["priority"], 1);
  // Alone on the link it stays MASTER (nobody outranks it) and keeps advertising 1.
  EXPECT_EQ(command("demote", "web")["message"], "demoted web (already demoted)");

  reply = command("restore", "web");
  ASSERT_EQ(reply["ok"], true) << reply.dump();
  EXPECT_EQ(last_priority(51), 150);
  EXPECT_FALSE(module_->demoted("web"));
  EXPECT_EQ(module_->status()["vrrp"]["instances"][0]["demoted"], false);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[1]["reason"], "restored");
  EXPECT_EQ(events_[1]["priority"], 150);
}

TEST_F(VrrpModuleTest, AReloadChangingADemotedMastersPriorityNeverAdvertisesIt) {
  ASSERT_TRUE(module_->configure(demotable()));
  ASSERT_TRUE(becomes_master());
  ASSERT_EQ(command("demote", "web")["ok"], true);
  const size_t sent = socket_->sent().size();
  for (int priority : {200, 100}) {
    config::Config next = demotable();
    next.vrrp.instances[0].priority = priority;
    ASSERT_TRUE(module_->reconfigure(next));
    EXPECT_EQ(module_->instance("web")->effective_priority(), 1);
  }
  for (size_t i = sent; i < socket_->sent().size(); ++i) {
    auto a = vrrp::decode_advert(socket_->sent()[i].payload, vrrp::Family::kIpv4);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->priority, 1) << "advert " << i;
  }
}

TEST_F(VrrpModuleTest, DemoteRefusesAnOwnerAndUnknownInstances) {
  config::Config c = demotable();
  c.vrrp.instances[0].priority = 255;
  ASSERT_TRUE(module_->configure(c));
  auto reply = command("demote", "web");
  EXPECT_EQ(reply["ok"], false);
  EXPECT_NE(reply["error"].get<std::string>().find("owner"), std::string::npos);
  EXPECT_EQ(last_priority(51), 255);
  EXPECT_FALSE(std::filesystem::exists(state_dir_ + "/demotions.json"));
  reply = command("demote", "nope");
  EXPECT_EQ(reply["ok"], false);
  EXPECT_EQ(reply["not_found"], true);
  EXPECT_EQ(command("restore", "")["ok"], false);
  EXPECT_EQ(module_->command({{"cmd", "promote"}})["ok"], false);
  EXPECT_TRUE(events_.size() == 1u && events_[0]["reason"] == "priority_255_owner");
}

TEST_F(VrrpModuleTest, DemotionIsPersistedAndReadBackOnConfigure) {
  ASSERT_TRUE(module_->configure(demotable()));
  ASSERT_EQ(command("demote", "web")["ok"], true);
  std::ifstream in(state_dir_ + "/demotions.json");
  auto doc = nlohmann::json::parse(in, nullptr, false);
  EXPECT_EQ(doc, nlohmann::json({{"demoted", {"web"}}}));

  // A restarted worker: a new module reads the file and starts the instance demoted.
  module_.reset();
  SetUp();
  ASSERT_TRUE(module_->configure(demotable()));
  EXPECT_TRUE(module_->demoted("web"));
  EXPECT_EQ(module_->instance("web")->effective_priority(), 1);
  // A reload that changes the priority keeps the demotion.
  config::Config next = demotable();
  next.vrrp.instances[0].priority = 200;
  ASSERT_TRUE(module_->reconfigure(next));
  EXPECT_EQ(module_->instance("web")->effective_priority(), 1);
  ASSERT_EQ(command("restore", "web")["ok"], true);
  EXPECT_EQ(module_->instance("web")->effective_priority(), 200);
  std::ifstream again(state_dir_ + "/demotions.json");
  EXPECT_EQ(nlohmann::json::parse(again, nullptr, false),
            nlohmann::json({{"demoted", nlohmann::json::array()}}));
}

TEST_F(VrrpModuleTest, ACorruptDemotionsFileMeansNothingIsDemoted) {
  config::Config c = demotable();
  std::ofstream(state_dir_ + "/demotions.json") << "{not json";
  ASSERT_TRUE(module_->configure(c));
  EXPECT_FALSE(module_->demoted("web"));
  EXPECT_EQ(module_->instance("web")->effective_priority(), 150);
}

}  // namespace
}  // namespace hadirector::daemon
