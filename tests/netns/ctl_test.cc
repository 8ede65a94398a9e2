// hadirectorctl against a running daemon: the instances and servers tables, --help for every
// command, check-config through hadirectord, and the documented exit codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "tests/netns/daemon_harness.h"
#include "tests/common/test_paths.h"

namespace hadirector::testing {
namespace {

using namespace std::chrono_literals;

const char* const kCommands[] = {"status", "instances", "servers", "reload",
                                 "drain",  "enable",    "events",  "check-config"};

CommandResult ctl_offline(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binary_path("hadirectorctl")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

class CtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The instance's interface does not exist (FAULT, no traffic); the real server is a closed
    // port on loopback, so the daemon needs nothing from the host.
    daemon_.write_config(
        "version: 1\n"
        "global: {router_id: ctl-test, state_dir: " +
        daemon_.dir() +
        "/state}\n"
        "vrrp:\n  instances:\n    - {name: web, interface: hdt-absent1, vrid: 179, "
        "priority: 130, virtual_addresses: [192.0.2.179/32]}\n"
        "virtual_servers:\n"
        "  - name: web-tcp\n    address: 192.0.2.179:80\n    protocol: tcp\n"
        "    real_servers:\n      - {address: 127.0.0.1:9, weight: 3, checks: [{type: tcp}]}\n"
        "  - name: dns\n    address: 192.0.2.179:53\n    protocol: udp\n"
        "    real_servers:\n      - {address: 127.0.0.1:53, weight: 2}\n");
    daemon_.start();
    ASSERT_TRUE(daemon_.wait_notify("READY=1")) << daemon_.log();
  }
  DaemonHarness daemon_{"version: 1\n"};
};

TEST_F(CtlTest, InstancesTableShowsEachInstance) {
  auto r = daemon_.ctl({"instances"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("INSTANCE"), std::string::npos) << r.out;
  std::regex row(R"(\nweb +FAULT +130 +\d+ +179 +hdt-absent1 )");
  EXPECT_TRUE(std::regex_search(r.out, row)) << r.out;
}

TEST_F(CtlTest, InstancesJsonIsTheStatusReply) {
  auto r = daemon_.ctl({"instances", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["vrrp"]["instances"][0]["name"], "web");
}

TEST_F(CtlTest, ServersListsEveryVirtualServerOrOne) {
  auto all = daemon_.ctl({"servers"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("virtual server web-tcp tcp 192.0.2.179:80"), std::string::npos)
      << all.out;
  EXPECT_NE(all.out.find("virtual server dns udp 192.0.2.179:53"), std::string::npos) << all.out;
  EXPECT_TRUE(std::regex_search(all.out, std::regex(R"(\n  127\.0\.0\.1:9 +\S+ +\d+ +3 )")))
      << all.out;

  auto one = daemon_.ctl({"servers", "dns"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("virtual server dns "), std::string::npos) << one.out;
  EXPECT_EQ(one.out.find("web-tcp"), std::string::npos) << one.out;
}

TEST_F(CtlTest, ServersOfAnUnknownVirtualServerExitsFour) {
  auto r = daemon_.ctl({"servers", "nosuch"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("no virtual server named 'nosuch'"), std::string::npos) << r.err;
}

// What the shipped bash completion offers for the words typed so far (the last may be empty).
std::string complete(const std::vector<std::string>& words) {
  std::string ctl = binary_path("hadirectorctl");
  std::string script = "PATH=" + ctl.substr(0, ctl.rfind('/')) + ":$PATH; source " + HD_SOURCE_DIR +
                       "/etc/bash-completion/hadirectorctl; COMP_WORDS=(";
  for (const auto& w : words) script += "'" + w + "' ";
  script += "); COMP_CWORD=" + std::to_string(words.size() - 1) +
            "; _hadirectorctl; echo \"${COMPREPLY[*]}\"";
  return run_command({"bash", "-c", script}).out;
}

TEST_F(CtlTest, BashCompletionOffersCommandsAndTheDaemonsServers) {
  const std::string s = daemon_.socket_path();
  EXPECT_EQ(complete({"hadirectorctl", "in"}), "instances\n");
  EXPECT_EQ(complete({"hadirectorctl", "-s", s, "servers", ""}), "web-tcp dns\n");
  EXPECT_EQ(complete({"hadirectorctl", "-s", s, "drain", "web-tcp", ""}), "127.0.0.1:9\n");
  EXPECT_EQ(complete({"hadirectorctl", "status", "--j"}), "--json\n");
}

TEST(CtlHelp, EveryCommandHasItsOwnHelp) {
  for (const char* cmd : kCommands) {
    auto r = ctl_offline({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd << r.err;
    EXPECT_TRUE(r.out.starts_with(std::string("usage: hadirectorctl [-s SOCKET] ") + cmd)) << r.out;
    EXPECT_NE(r.out.find("exit codes:"), std::string::npos) << r.out;
    EXPECT_EQ(ctl_offline({"help", cmd}).out, r.out);
  }
}

TEST(CtlHelp, GlobalHelpListsCommandsAndExitCodes) {
  auto r = ctl_offline({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : kCommands)
    EXPECT_NE(r.out.find(std::string("  ") + cmd), std::string::npos) << cmd;
  for (const char* code : {"  0  ", "  1  ", "  2  ", "  3  ", "  4  "})
    EXPECT_NE(r.out.find(code), std::string::npos) << code;
}

TEST(CtlExitCodes, UsageErrorsExitTwo) {
  EXPECT_EQ(ctl_offline({}).exit_code, 2);
  EXPECT_EQ(ctl_offline({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(ctl_offline({"instances", "extra"}).exit_code, 2);
  EXPECT_EQ(ctl_offline({"servers", "a", "b"}).exit_code, 2);
  EXPECT_EQ(ctl_offline({"drain", "only-vs"}).exit_code, 2);
  EXPECT_EQ(ctl_offline({"events", "--since", "x"}).exit_code, 2);
  EXPECT_EQ(ctl_offline({"check-config"}).exit_code, 2);
}

TEST(CtlExitCodes, NoDaemonExitsThree) {
  auto r = ctl_offline({"-s", "/nonexistent/control.sock", "instances"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot reach hadirectord"), std::string::npos) << r.err;
}

TEST(CtlCheckConfig, ValidFileExitsZero) {
  auto r = ctl_offline({"check-config", std::string(HD_SOURCE_DIR) + "/etc/hadirector.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(CtlCheckConfig, InvalidFileExitsOneWithHadirectordsMessages) {
  char tmpl[] = "/tmp/hd-ctl-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string path = dir + "/bad.yaml";
  write_file(path, "version: 1\nvrrp:\n  realtim: true\n");
  auto r = ctl_offline({"check-config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path + ":3:3: unknown key 'realtim'"), std::string::npos) << r.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hadirector::testing
