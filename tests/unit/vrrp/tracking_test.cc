// Tracking and notify: weights in effect, script rise/fall through a fake child launcher on a
// manual clock, notify commands and their strict ordering.
#include "vrrp/tracking.h"

#include <gtest/gtest.h>

#include "tests/unit/vrrp/instance_lab.h"
#include "vrrp/file_monitor.h"
#include "vrrp/notify.h"
#include "vrrp/script_monitor.h"

namespace hadirector::testing {
namespace {

using std::chrono::milliseconds;

TEST(TrackedWeight, PositiveAppliesWhileUpNegativeWhileDown) {
  EXPECT_EQ(vrrp::tracked_weight(20, true), 20);
  EXPECT_EQ(vrrp::tracked_weight(20, false), 0);
  EXPECT_EQ(vrrp::tracked_weight(-30, true), 0);
  EXPECT_EQ(vrrp::tracked_weight(-30, false), -30);
}

TEST(InstanceTracking, SumsInterfacesScriptsVirtualServersAndFiles) {
  FakeLinkMonitor links;
  links.set_link({3, "eth1", true, true, true});
  vrrp::TrackedStates states;
  config::Track track;
  track.interfaces = {{"eth1", -10}, {"eth2", 0}};
  track.scripts = {{"alive", std::nullopt}};
  track.virtual_servers = {{"web-http", -50}};
  track.files = {{"/run/prio", 5}};
  config::VrrpScript alive;
  alive.name = "alive";
  alive.weight = -30;
  std::vector<vrrp::TrackingResult> changes;
  vrrp::InstanceTracking t(track, {alive}, links, states,
                           [&](const vrrp::TrackingResult& r) { changes.push_back(r); });
  EXPECT_TRUE(t.result().fault);  // eth2 unknown = down, weight 0
  links.set_link({4, "eth2", true, true, true});
  EXPECT_EQ(t.result(), (vrrp::TrackingResult{0, false}));
  states.scripts.set("alive", false);
  EXPECT_EQ(t.result().weight, -30);
  states.virtual_servers.set("web-http", false);
  EXPECT_EQ(t.result().weight, -80);
  states.files.set("/run/prio", 3);
  EXPECT_EQ(t.result().weight, -65);
  links.set_link({3, "eth1", true, false, true});
  EXPECT_EQ(t.result().weight, -75);
  EXPECT_EQ(changes.size(), 5u);
}

TEST(ScriptMonitor, FirstResultCountsAtOnceThenFallAndRiseApply) {
  core::ManualScheduler clock;
  FakeLauncher launcher;
  vrrp::NamedStates<bool> out;
  config::VrrpScript s;
  s.name = "alive";
  s.command = {"/bin/true"};
  s.interval = milliseconds(1000);
  s.rise = 2;
  s.fall = 2;
  vrrp::ScriptMonitor m(s, std::nullopt, clock, launcher.fn(), out);
  m.start();
  ASSERT_EQ(launcher.runs.size(), 1u);
  EXPECT_EQ(launcher.runs[0].spec.argv, std::vector<std::string>{"/bin/true"});
  launcher.finish(0, 0);
  EXPECT_EQ(out.get("alive"), true);
  clock.advance(milliseconds(1000));
  launcher.finish(1, 1);
  EXPECT_EQ(out.get("alive"), true);  // one failure of fall 2
  clock.advance(milliseconds(1000));
  launcher.finish(2, 1);
  EXPECT_EQ(out.get("alive"), false);
  clock.advance(milliseconds(1000));
  launcher.finish(3, 0);
  EXPECT_EQ(out.get("alive"), false);
  clock.advance(milliseconds(1000));
  launcher.finish(4, 0);
  EXPECT_EQ(out.get("alive"), true);
}

TEST(ScriptSpec, RunsArgvDirectlyUnlessShellIsAsked) {
  config::VrrpScript s;
  s.command = {"/usr/bin/pgrep", "-x", "haproxy"};
  EXPECT_EQ(vrrp::script_spec(s, "nobody").argv, s.command);
  EXPECT_EQ(vrrp::script_spec(s, "nobody").user, "nobody");
  s.shell = true;
  s.command = {"pgrep -x haproxy || exit 1"};
  s.user = "hd";
  auto spec = vrrp::script_spec(s, "nobody");
  EXPECT_EQ(spec.argv, (std::vector<std::string>{"/bin/sh", "-c", "pgrep -x haproxy || exit 1"}));
  EXPECT_EQ(spec.user, "hd");
}

TEST(NotifyCommands, StateScriptThenAnyWithTypeNameStatePriority) {
  config::Notify n;
  n.master = {"/bin/notify", "m"};
  n.any = {"/bin/any"};
  auto cmds = vrrp::notify_commands(n, "INSTANCE", "web", vrrp::State::kMaster, 150);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0],
            (std::vector<std::string>{"/bin/notify", "m", "INSTANCE", "web", "MASTER", "150"}));
  EXPECT_EQ(cmds[1], (std::vector<std::string>{"/bin/any", "INSTANCE", "web", "MASTER", "150"}));
  EXPECT_EQ(vrrp::notify_commands(n, "INSTANCE", "web", vrrp::State::kInitialize, 0)[0][3], "STOP");
}

TEST(NotifyQueue, RunsOneAtATimeInOrder) {
  FakeLauncher launcher;
  vrrp::NotifyQueue q(launcher.fn());
  q.push({"/bin/a"});
  q.push({"/bin/b"});
  q.push({"/bin/c"});
  ASSERT_EQ(launcher.runs.size(), 1u);
  EXPECT_EQ(q.queued(), 2u);
  launcher.finish(0, 0);
  ASSERT_EQ(launcher.runs.size(), 2u);
  EXPECT_EQ(launcher.runs[1].spec.argv[0], "/bin/b");
  launcher.finish(1, 3);
  ASSERT_EQ(launcher.runs.size(), 3u);
  EXPECT_EQ(launcher.runs[2].spec.argv[0], "/bin/c");
  launcher.finish(2, 0);
  EXPECT_FALSE(q.busy());
  EXPECT_EQ(q.failed(), 1u);
}

TEST(TrackedFileValue, ParsesAnIntegerWithWhitespace) {
  EXPECT_EQ(vrrp::parse_tracked_value(" 42\n"), 42);
  EXPECT_EQ(vrrp::parse_tracked_value("-7"), -7);
  EXPECT_EQ(vrrp::parse_tracked_value("4x"), std::nullopt);
  EXPECT_EQ(vrrp::parse_tracked_value(""), std::nullopt);
}

}  // namespace
}  // namespace hadirector::testing
