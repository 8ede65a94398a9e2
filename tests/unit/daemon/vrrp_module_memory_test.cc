// What the VRRP worker holds per instance: 1,000 instances configured on fake kernel doors, the
// heap they take (mallinfo2) divided by the count. The bound is the budget the scale bench's
// PSS target leaves the worker (keepalived holds ~1.4 KB per instance); a change that adds
// a map or a buffer per instance fails here before it shows in the bench.
#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/socket.h>

#include <cstdio>

#include "daemon/vrrp_module.h"
#include "tests/fakes/fake_vrrp_io.h"

namespace hadirector::daemon {
namespace {

constexpr int kLinks = 4;
constexpr int kPerLink = 250;

std::string link(int v) { return "eth" + std::to_string(v); }

config::Config thousand_instances() {
  config::Config c;
  for (int v = 1; v <= kLinks; ++v)
    for (int id = 1; id <= kPerLink; ++id) {
      config::VrrpInstance i;
      i.name = "s" + std::to_string(v) + "_" + std::to_string(id);
      i.interface = link(v);
      i.vrid = id;
      i.priority = 100;
      i.accept = true;
      i.advert_interval = std::chrono::seconds(1);
      i.virtual_addresses = {*config::IpPrefix::from_string(
          "198.19." + std::to_string(v) + "." + std::to_string(id) + "/32")};
      i.family = AF_INET;
      c.vrrp.instances.push_back(std::move(i));
    }
  return c;
}

VrrpIo fake_io() {
  auto addresses = std::make_unique<testing::FakeAddressManager>();
  auto links = std::make_unique<testing::FakeLinkMonitor>();
  for (int v = 1; v <= kLinks; ++v) {
    addresses->add_link(link(v), v + 1);
    (void)addresses->add_address(
        link(v), *config::IpPrefix::from_string("198.18." + std::to_string(v) + ".1/24"));
    links->set_link({v + 1, link(v), true, true, true});
  }
  return VrrpIo{std::move(addresses),
                std::move(links),
                std::make_unique<testing::FakeGratuitousSender>(),
                [](int ifindex, vrrp::Family family) {
                  return core::Result<std::unique_ptr<vrrp::VrrpSocket>>(
                      std::make_unique<testing::FakeVrrpSocket>(ifindex, family));
                },
                /*vmac=*/nullptr,
                /*open_send_socket=*/{},
                /*launcher=*/{}};
}

size_t heap_in_use() {
  ::malloc_trim(0);
  const struct mallinfo2 m = ::mallinfo2();
  return m.uordblks + m.hblkhd;
}

TEST(VrrpModuleMemory, ThousandInstancesFitTheBudget) {
  auto loop = std::move(*core::EventLoop::create());
  const config::Config config = thousand_instances();
  const size_t before = heap_in_use();
  {
    VrrpModule module({*loop, [](nlohmann::json) {}, [](const std::string&, nlohmann::json) {}},
                      fake_io());
    ASSERT_TRUE(module.configure(config));
    // Let the start's transitions, events and timers happen, as in a running worker.
    (void)loop->run_until([] { return false; }, std::chrono::milliseconds(200));
    const size_t held = heap_in_use() - before;
    const double per_instance = static_cast<double>(held) / (kLinks * kPerLink);
    std::printf("VRRP module: %zu bytes for %d instances, %.0f bytes each\n", held,
                kLinks * kPerLink, per_instance);
    EXPECT_LT(per_instance, 3000.0);  // 1,556 measured (2026-11-23, compact settings)
    // The compact counters read back as the status JSON: by reason, and the last transition.
    const nlohmann::json first = module.status()["vrrp"]["instances"][0];
    EXPECT_EQ(first["name"], "s1_1");
    const nlohmann::json& counters = first["counters"];
    ASSERT_EQ(counters["transitions"].size(), 1u);
    const std::string reason = counters["transitions"].begin().key();
    EXPECT_EQ(counters["transitions"][reason], 1);
    EXPECT_EQ(counters["last_transition"]["from"], "INIT");
    EXPECT_EQ(counters["last_transition"]["to"], "BACKUP");
    EXPECT_EQ(counters["last_transition"]["reason"], reason);
  }
}

}  // namespace
}  // namespace hadirector::daemon
