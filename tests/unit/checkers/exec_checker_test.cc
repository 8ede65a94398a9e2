// The exec check type: validation messages, the exit-code convention, and real scripts written
// to a temporary directory, run through core::ChildRunner on the real EventLoop.
#include "checkers/exec/exec_checker.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/checkers/node_builder.h"
#include "tests/unit/checkers/type_test_support.h"

namespace hadirector::checkers {
namespace {

using testing::map;
using testing::scalar;
using testing::sequence;
using namespace std::chrono_literals;

class ExecCheck : public testing::TypeTest {
 protected:
  void SetUp() override {
    TypeTest::SetUp();
    char pattern[] = "/tmp/hd-exec-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes an executable shell script and returns its path.
  std::string script(const std::string& name, const std::string& body) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
    return path;
  }

  ProbeResult run(const std::string& path, uint16_t port = 80) {
    auto checker = make(factory_, map({{"command", sequence({scalar(path)})}}), "192.0.2.5", port);
    return checker ? probe(*checker) : ProbeResult::failure("no-checker");
  }

  ExecCheckerFactory factory_;
  std::string dir_;
};

TEST_F(ExecCheck, CommandIsRequiredAndReportedAtTheCheck) {
  EXPECT_EQ(only_error(factory_, map({{"user", scalar("nobody")}})),
            "checks.yaml:1:1: exec check needs 'command', a list like [/path, arg]");
}

TEST_F(ExecCheck, CommandMustBeAList) {
  EXPECT_EQ(only_error(factory_, map({{"command", scalar("/bin/check --all")}})),
            "checks.yaml:2:10: 'command' must be a non-empty list (argv, no shell) like "
            "[/usr/lib/nagios/plugins/check_tcp, -p, '80']");
  EXPECT_EQ(factory_.validate(map({{"command", sequence({})}})).size(), 1u);
}

TEST_F(ExecCheck, EnvNamesMayNotContainEquals) {
  EXPECT_EQ(only_error(factory_, map({{"command", sequence({scalar("/bin/true")})},
                                      {"env", map({{"A=B", scalar("1")}})}})),
            "checks.yaml:3:10: 'env' names must be non-empty and contain no '=', not 'A=B'");
}

TEST_F(ExecCheck, UserMustNotBeEmpty) {
  EXPECT_EQ(only_error(factory_,
                       map({{"command", sequence({scalar("/bin/true")})}, {"user", scalar("")}})),
            "checks.yaml:3:10: 'user' must not be empty");
}

TEST_F(ExecCheck, ExitZeroIsUpWithTheFirstLineAsDetail) {
  auto result = run(script("ok.sh", "echo 'OK - all fine'; echo 'second line'; exit 0"));
  EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
  EXPECT_EQ(result.detail, "OK - all fine");
}

TEST_F(ExecCheck, ExitCodesFollowTheMonitoringPluginsConvention) {
  EXPECT_EQ(run(script("one.sh", "echo WARNING; exit 1")).reason, "exec-down");
  auto critical = run(script("two.sh", "echo 'CRITICAL - gone'; exit 2"));
  EXPECT_EQ(critical.reason, "exec-critical");
  EXPECT_EQ(critical.detail, "CRITICAL - gone");
  EXPECT_EQ(run(script("three.sh", "exit 3")).reason, "exec-unknown");
  EXPECT_EQ(run(script("seven.sh", "exit 7")).reason, "exec-exit-7");
}

TEST_F(ExecCheck, TheRealServerIsPassedInTheEnvironment) {
  auto result =
      run(script("env.sh", "echo \"$HADIRECTOR_RS_ADDRESS $HADIRECTOR_RS_PORT $EXTRA\""), 8080);
  EXPECT_EQ(result.detail, "192.0.2.5 8080 ");
  auto checker = make(factory_,
                      map({{"command", sequence({scalar(script("extra.sh", "echo \"$EXTRA\""))})},
                           {"env", map({{"EXTRA", scalar("from config")}})}}),
                      "192.0.2.5", 80);
  EXPECT_EQ(probe(*checker).detail, "from config");
}

TEST_F(ExecCheck, ArgumentsAreNotInterpretedByAShell) {
  auto checker = make(
      factory_,
      map({{"command", sequence({scalar(script("args.sh", "echo \"$#:$1\"")), scalar("a b;c")})}}),
      "192.0.2.5", 80);
  EXPECT_EQ(probe(*checker).detail, "1:a b;c");
}

TEST_F(ExecCheck, AMissingProgramFailsToSpawn) {
  EXPECT_EQ(run(dir_ + "/does-not-exist").reason, "exec-spawn-failed");
}

TEST_F(ExecCheck, CancelKillsTheCommandAndNeverReports) {
  auto checker =
      make(factory_, map({{"command", sequence({scalar(script("slow.sh", "exec sleep 30"))})}}),
           "192.0.2.5", 80);
  bool reported = false;
  checker->start_probe([&](ProbeResult) { reported = true; });
  checker->cancel();
  auto finished = loop_->run_until([&] { return reported; }, 200ms);
  ASSERT_TRUE(finished);
  EXPECT_FALSE(*finished);
}

TEST(ExecVerdict, TimeoutAndSignalsHaveTheirOwnReasons) {
  core::ChildResult timed_out;
  timed_out.outcome = core::ChildResult::Outcome::kTimedOut;
  EXPECT_EQ(exec::interpret_exec_result(timed_out).reason, "timeout");
  core::ChildResult killed;
  killed.outcome = core::ChildResult::Outcome::kSignaled;
  killed.signal = SIGSEGV;
  auto result = exec::interpret_exec_result(killed);
  EXPECT_EQ(result.reason, "exec-signaled");
  EXPECT_EQ(result.detail, "killed by SEGV");
}

}  // namespace
}  // namespace hadirector::checkers
