// InstanceSettings keeps every value of config::VrrpInstance: the round trip is lossless with
// and without the rare block, and matches() sees a change in any field a reload may make.
#include "vrrp/instance_settings.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <functional>

namespace hadirector::vrrp {
namespace {

config::IpAddress addr(const char* text) { return *config::IpAddress::from_string(text); }

config::VrrpInstance plain() {
  config::VrrpInstance c;
  c.name = "vi_eth0_17";
  c.interface = "eth0";
  c.vrid = 17;
  c.priority = 150;
  c.version = 2;
  c.family = AF_INET;
  c.advert_interval = std::chrono::milliseconds(250);
  c.preempt = false;
  c.preempt_delay = std::chrono::milliseconds(3000);
  c.accept = true;
  c.checksum_pseudo_header = false;
  c.vmac = true;
  c.virtual_addresses = {*config::IpPrefix::from_string("192.0.2.10/32")};
  c.garp = {3, std::chrono::milliseconds(20), std::chrono::milliseconds(60000)};
  return c;
}

config::VrrpInstance everything() {
  config::VrrpInstance c = plain();
  c.auth_password = "secret";
  c.unicast = config::Unicast{addr("192.0.2.1"), {addr("192.0.2.2")}};
  config::Authentication a;
  a.keys = {{7, "/etc/key", std::vector<uint8_t>(32, 0xab)}};
  a.send_key = 7;
  a.window = std::chrono::milliseconds(9000);
  c.authentication = a;
  c.track.interfaces = {{"eth1", -20}};
  c.track.scripts = {{"chk", 5}};
  c.track.virtual_servers = {{"web", -30}};
  c.track.files = {{"/run/prio", 2}};
  c.notify.master = {"/bin/true", "m"};
  c.notify.any = {"/bin/true"};
  return c;
}

TEST(InstanceSettings, RoundTripIsLossless) {
  for (const auto& c : {plain(), everything(), config::VrrpInstance{}}) {
    const InstanceSettings s(c);
    EXPECT_EQ(s.to_config(), c);
    EXPECT_TRUE(s.matches(c));
  }
  EXPECT_EQ(InstanceSettings(everything()).notify().master[1], "m");
  EXPECT_FALSE(InstanceSettings(plain()).unicast().has_value());
  EXPECT_TRUE(InstanceSettings(plain()).track() == config::Track{});
}

TEST(InstanceSettings, MatchesSeesAChangeInEveryField) {
  const std::vector<std::function<void(config::VrrpInstance&)>> edits = {
      [](auto& c) { c.name = "other"; },
      [](auto& c) { c.interface = "eth9"; },
      [](auto& c) { c.vrid = 18; },
      [](auto& c) { c.priority = 151; },
      [](auto& c) { c.version = 3; },
      [](auto& c) { c.family = AF_INET6; },
      [](auto& c) { c.advert_interval = std::chrono::milliseconds(300); },
      [](auto& c) { c.preempt = true; },
      [](auto& c) { c.preempt_delay = std::chrono::milliseconds(1); },
      [](auto& c) { c.accept = false; },
      [](auto& c) { c.checksum_pseudo_header = true; },
      [](auto& c) { c.vmac = false; },
      [](auto& c) { c.auth_password = "other"; },
      [](auto& c) { c.virtual_addresses.push_back(*config::IpPrefix::from_string("192.0.2.11/32")); },
      [](auto& c) { c.unicast->peers.push_back(addr("192.0.2.3")); },
      [](auto& c) { c.authentication->keys[0].secret[0] = 0; },
      [](auto& c) { c.track.files[0].weight = 3; },
      [](auto& c) { c.notify.backup = {"/bin/false"}; },
      [](auto& c) { c.garp.count = 4; },
  };
  const InstanceSettings s(everything());
  for (size_t i = 0; i < edits.size(); ++i) {
    config::VrrpInstance changed = everything();
    edits[i](changed);
    EXPECT_FALSE(s.matches(changed)) << "edit " << i;
  }
  // A plain instance gaining a rare value (first notify script) is a change too.
  EXPECT_FALSE(InstanceSettings(plain()).matches(everything()));
}

}  // namespace
}  // namespace hadirector::vrrp
