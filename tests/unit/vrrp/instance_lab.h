// Test bench for VrrpInstance component tests: routers, each with its own fake kernel doors
// (addresses, links, GARP sender) and a fake socket on one shared FakeVrrpLan, all on a
// ManualScheduler. Time moves only when a test advances it.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/manual_scheduler.h"
#include "tests/fakes/fake_vrrp_io.h"
#include "vrrp/child_launcher.h"
#include "vrrp/instance.h"
#include "vrrp/io/address_convert.h"

namespace hadirector::testing {

inline config::IpPrefix prefix(const std::string& text) {
  return *config::IpPrefix::from_string(text);
}
inline config::IpAddress address(const std::string& text) {
  return *config::IpAddress::from_string(text);
}

inline config::VrrpInstance instance_config(const std::string& name, int priority,
                                            const std::string& vip = "192.0.2.100/24") {
  config::VrrpInstance c;
  c.name = name;
  c.interface = "eth0";
  c.vrid = 51;
  c.priority = priority;
  c.version = 3;
  c.advert_interval = std::chrono::milliseconds(100);
  c.virtual_addresses = {prefix(vip)};
  c.family = c.virtual_addresses[0].addr.family;
  c.garp.count = 1;
  return c;
}

// Records child launches (track and notify scripts); the test finishes them.
struct FakeLauncher {
  struct Run {
    core::ChildSpec spec;
    std::function<void(const core::ChildResult&)> done;
  };
  vrrp::ChildLauncher fn() {
    return [this](const core::ChildSpec& spec, std::function<void(const core::ChildResult&)> d) {
      runs.push_back({spec, std::move(d)});
      return core::Result<core::Handle>(core::Handle([] {}));
    };
  }
  void finish(size_t i, int exit_code) {
    core::ChildResult r;
    r.outcome = core::ChildResult::Outcome::kExited;
    r.exit_code = exit_code;
    runs[i].done(r);
  }
  std::vector<Run> runs;
};

struct Router {
  Router(core::ManualScheduler& scheduler, FakeVrrpLan& lan, const std::string& host,
         config::VrrpInstance cfg)
      : lan_(lan), host_(prefix(host)), registry_([this](int ifindex, vrrp::Family family) {
          auto s = std::make_unique<FakeVrrpSocket>(ifindex, family);
          s->local_addresses = {vrrp::to_vrrp_address(host_.addr)};
          lan_.attach(*s);
          socket = s.get();
          return core::Result<std::unique_ptr<vrrp::VrrpSocket>>(std::move(s));
        }),
        deps_{scheduler, registry_, addresses, links, garp,
              [this](const vrrp::TransitionRecord& r) {
                transitions.push_back(r);
                if (on_transition) on_transition(r);
              }} {
    addresses.add_link("eth0", 2);
    (void)addresses.add_address("eth0", host_);
    links.set_link({2, "eth0", true, true, true});
    instance = std::make_unique<vrrp::VrrpInstance>(std::move(cfg), deps_);
  }
  ~Router() { instance.reset(); }

  vrrp::State state() const { return instance->state(); }
  bool has(const std::string& vip) {
    auto list = addresses.addresses("eth0");
    return list && std::ranges::find(*list, prefix(vip)) != list->end();
  }
  bool has_vip() { return has(instance->config().virtual_addresses[0].to_string()); }
  // Time of the last transition into `to`.
  core::TimePoint became(vrrp::State to) const {
    for (auto it = transitions.rbegin(); it != transitions.rend(); ++it)
      if (it->to == to) return it->when;
    return {};
  }
  void set_link(bool up) { links.set_link({2, "eth0", up, up, true}); }

  FakeVrrpLan& lan_;
  config::IpPrefix host_;
  FakeAddressManager addresses;
  FakeLinkMonitor links;
  FakeGratuitousSender garp;
  vrrp::VrrpSocketRegistry registry_;
  vrrp::InstanceDeps deps_;  // the instance holds it by reference
  FakeVrrpSocket* socket = nullptr;
  std::vector<vrrp::TransitionRecord> transitions;
  std::function<void(const vrrp::TransitionRecord&)> on_transition;  // after recording
  std::unique_ptr<vrrp::VrrpInstance> instance;
};

class InstanceLab : public ::testing::Test {
 protected:
  Router& add(const std::string& host, config::VrrpInstance cfg) {
    routers_.push_back(std::make_unique<Router>(clock_, lan_, host, std::move(cfg)));
    return *routers_.back();
  }
  // Starts every router and lets them elect for `settle`.
  void start_all(core::Duration settle = std::chrono::milliseconds(1000)) {
    for (auto& r : routers_) r->instance->start();
    clock_.advance(settle);
  }
  int masters() const {
    int n = 0;
    for (const auto& r : routers_) n += r->state() == vrrp::State::kMaster;
    return n;
  }
  core::TimePoint t0() const { return core::ManualScheduler::kStart; }

  core::ManualScheduler clock_;
  FakeVrrpLan lan_{clock_};
  std::vector<std::unique_ptr<Router>> routers_;
};

}  // namespace hadirector::testing
