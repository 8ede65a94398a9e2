// The event stream through the real control socket and CLI (`hadirectorctl events`): every VRRP
// transition of a failover and a preemption back, in order, with its reason. Root only.
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "tests/netns/vrrp_director_lab.h"

namespace hadirector::testing {
namespace {

class VrrpEvents : public DirectorLab {};

using Step = std::tuple<std::string, std::string, std::string>;  // from, to, reason

// `hadirectorctl events --since 0` for a moment: the kept events replayed, then followed.
std::vector<Step> vrrp_events(DaemonHarness& d, const std::string& instance) {
  CommandResult r = run_command({"timeout", "1", binary_path("hadirectorctl"), "-s",
                                 d.socket_path(), "events", "--since", "0"},
                                std::chrono::seconds(5));
  std::vector<Step> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("kind", "") != "vrrp" || j.value("instance", "") != instance)
      continue;
    out.emplace_back(j.value("from", ""), j.value("to", ""), j.value("reason", ""));
  }
  return out;
}

TEST_F(VrrpEvents, FailoverAndPreemptionAppearInOrderWithTheirReasons) {
  add_directors(2);
  DaemonHarness& a = daemon(1, director_yaml(200, false));
  DaemonHarness& b = daemon(2, director_yaml(100, false));
  a.start();
  b.start();
  ASSERT_TRUE(eventually([&] { return has_address(1, "192.0.2.100/24"); })) << a.log();
  a.kill_all();  // a crashed director: b's master-down timer runs out
  ASSERT_TRUE(eventually([&] { return has_address(2, "192.0.2.100/24"); })) << b.log();
  a.start();  // back, higher priority: b steps down
  ASSERT_TRUE(eventually([&] { return !has_address(2, "192.0.2.100/24"); })) << b.log();

  const std::vector<Step> want_b = {{"INIT", "BACKUP", "startup"},
                                    {"BACKUP", "MASTER", "master_down_timer"},
                                    {"MASTER", "BACKUP", "higher_priority_advert"}};
  EXPECT_EQ(vrrp_events(b, "web"), want_b) << b.log();
  // The restarted director finds its VIP still on the interface and resumes (vrrp/README.md).
  auto a_events = vrrp_events(a, "web");
  ASSERT_FALSE(a_events.empty()) << a.log();
  EXPECT_EQ(std::get<1>(a_events.back()), "MASTER");
  EXPECT_TRUE(std::get<2>(a_events.back()) == "resume" ||
              std::get<2>(a_events.back()) == "preempted_lower_priority")
      << std::get<2>(a_events.back());
}

}  // namespace
}  // namespace hadirector::testing
