// Component tests of ChildRunner with real short-lived processes (/bin/sh, /bin/sleep) on the
// real event loop; every wait is bounded by run_until's deadline.
#include "daemon/core/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "daemon/core/child_spawn.h"
#include "daemon/core/descriptor_limit.h"
#include "tests/common/lowered_descriptor_limit.h"

namespace hadirector::core {
namespace {

using namespace std::chrono_literals;
using Outcome = ChildResult::Outcome;

class ChildRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.has_value());
    loop_ = std::move(*loop);
    runner_ = std::make_unique<ChildRunner>(*loop_);
  }

  // Runs spec to completion (at most `limit`) and returns its result.
  std::optional<ChildResult> run(ChildSpec spec, Duration limit = 1s) {
    std::optional<ChildResult> result;
    int calls = 0;
    auto h = runner_->run(spec, [&](const ChildResult& r) {
      result = r;
      ++calls;
    });
    EXPECT_TRUE(h.has_value());
    if (!h) return std::nullopt;
    auto done = loop_->run_until([&] { return calls > 0; }, limit);
    EXPECT_TRUE(done.value_or(false));
    EXPECT_EQ(calls, 1);
    return result;
  }

  bool wait_for(const std::function<bool()>& cond) {
    return loop_->run_until(cond, 1s).value_or(false);
  }

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<ChildRunner> runner_;
};

ChildSpec spec(std::vector<std::string> argv, Duration timeout = 1s) {
  ChildSpec s;
  s.argv = std::move(argv);
  s.timeout = timeout;
  return s;
}

// A process is gone when it is neither alive nor a zombie (zombies still answer kill(pid, 0)).
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

TEST_F(ChildRunnerTest, ReportsExitCode) {
  auto r = run(spec({"/bin/sh", "-c", "exit 3"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::kExited);
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->succeeded());
}

TEST_F(ChildRunnerTest, CapturesStdoutAndStderr) {
  auto r = run(spec({"/bin/sh", "-c", "echo out; echo err >&2"}));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->succeeded());
  EXPECT_EQ(r->output, "out\nerr\n");
}

// A worker that raised its open-file limit for thousands of sockets runs scripts with the limit
// the daemon started with, not its own.
TEST_F(ChildRunnerTest, ChildGetsTheDescriptorLimitFromBeforeTheRaise) {
  std::optional<ChildResult> r;
  {
    testing::LoweredDescriptorLimit limit(256);
    if (!limit.ok()) GTEST_SKIP() << "hard descriptor limit too low to lower and raise";
    raise_descriptor_limit();
    EXPECT_EQ(limit.soft_now(), limit.raised());
    r = run(spec({"/bin/sh", "-c", "ulimit -Sn"}));
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output, "256\n");
}

TEST_F(ChildRunnerTest, FindsProgramInPathAndPassesArgvWithoutShell) {
  auto r = run(spec({"printf", "%s|", "a b", "$HOME", ";"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output, "a b|$HOME|;|");
}

TEST_F(ChildRunnerTest, TruncatesOutputAtMaxOutput) {
  ChildSpec s = spec({"/bin/sh", "-c",
                      "i=0; while [ $i -lt 100 ]; do echo 0123456789; "
                      "i=$((i+1)); done"});
  s.max_output = 25;
  auto r = run(s);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->succeeded());  // the child was not blocked by the full pipe
  EXPECT_EQ(r->output.size(), 25u);
  EXPECT_TRUE(r->output_truncated);
}

TEST_F(ChildRunnerTest, PassesExtraEnvironmentOverridingTheDaemons) {
  setenv("HD_CHILD_TEST", "daemon", 1);
  ChildSpec s = spec({"/bin/sh", "-c", "echo $HD_CHILD_TEST $HD_EXTRA"});
  s.env = {"HD_CHILD_TEST=override", "HD_EXTRA=x"};
  auto r = run(s);
  unsetenv("HD_CHILD_TEST");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output, "override x\n");
}

TEST_F(ChildRunnerTest, StdinIsDevNullAndNoDaemonFdLeaks) {
  // The runner's own fds (the test's loop, pipes) must not reach the child: only 0, 1, 2 and
  // the fd ls itself opens for the listing.
  auto r = run(spec({"/bin/sh", "-c", "read x; echo read=$?; ls /proc/self/fd | wc -l"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output, "read=1\n4\n");
}

TEST_F(ChildRunnerTest, ChildRunsInItsOwnProcessGroupWithSignalsReset) {
  auto r = run(spec({"/bin/sh", "-c",
                     "set -- $(cat /proc/$$/stat); test \"$5\" = $$ && echo leader; "
                     "grep -E '^(SigBlk|SigIgn)' /proc/self/status"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output, "leader\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST_F(ChildRunnerTest, ReportsSignalThatKilledTheChild) {
  auto r = run(spec({"/bin/sh", "-c", "kill -USR1 $$"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::kSignaled);
  EXPECT_EQ(r->signal, SIGUSR1);
  EXPECT_EQ(r->error, "killed by SIGUSR1");
}

TEST_F(ChildRunnerTest, TimeoutKillsTheChild) {
  auto r = run(spec({"/bin/sleep", "5"}, 100ms), 2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::kTimedOut);
  EXPECT_EQ(r->signal, SIGTERM);
  EXPECT_EQ(r->error, "timed out after 100ms");
  EXPECT_GE(r->elapsed, 100ms);
  EXPECT_LT(r->elapsed, 2s);
}

TEST_F(ChildRunnerTest, TimeoutEscalatesToSigkillWhenSigtermIsIgnored) {
  ChildSpec s = spec({"/bin/sh", "-c", "trap '' TERM; while :; do :; done"}, 50ms);
  s.kill_grace = 100ms;
  auto r = run(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::kTimedOut);
  EXPECT_EQ(r->signal, SIGKILL);
  EXPECT_GE(r->elapsed, 150ms);
}

TEST_F(ChildRunnerTest, NonexistentBinaryIsASpawnFailure) {
  auto r = run(spec({"/nonexistent/hd-no-such-binary"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::kSpawnFailed);
  EXPECT_EQ(r->error, "exec /nonexistent/hd-no-such-binary: ENOENT (No such file or directory)");
}

TEST_F(ChildRunnerTest, NameMissingFromPathIsASpawnFailure) {
  auto r = run(spec({"hd-no-such-binary-anywhere"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::kSpawnFailed);
  EXPECT_EQ(r->error, "exec hd-no-such-binary-anywhere: not found in PATH");
}

TEST_F(ChildRunnerTest, UnknownUserIsASpawnFailure) {
  ChildSpec s = spec({"/bin/true"});
  s.user = "hd-no-such-user";
  auto r = run(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::kSpawnFailed);
  EXPECT_EQ(r->error, "unknown user hd-no-such-user");
}

TEST_F(ChildRunnerTest, RunsAsTheGivenUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to change user";
  ChildSpec s = spec({"/usr/bin/id", "-u"});
  s.user = "nobody";
  auto r = run(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output, "65534\n");
}

TEST_F(ChildRunnerTest, EmptyArgvIsRejected) {
  auto h = runner_->run(ChildSpec{}, [](const ChildResult&) {});
  ASSERT_FALSE(h.has_value());
  EXPECT_EQ(h.error().code(), Errc::kInvalid);
}

TEST_F(ChildRunnerTest, DestroyingHandleKillsTheWholeGroupAndSkipsDone) {
  auto dir = std::filesystem::temp_directory_path() / ("hd-child-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string pids = (dir / "pids").string();
  // The child (a shell) starts a grandchild in its group and records both pids.
  bool called = false;
  auto h = runner_->run(
      spec({"/bin/sh", "-c",
            "/bin/sleep 5 & echo $$ $! > " + pids + ".tmp; mv " + pids + ".tmp " + pids + "; wait"},
           5s),
      [&](const ChildResult&) { called = true; });
  ASSERT_TRUE(h.has_value());
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(pids); }));
  pid_t child = 0;
  pid_t grandchild = 0;
  std::ifstream(pids) >> child >> grandchild;
  std::filesystem::remove_all(dir);
  ASSERT_GT(child, 0);
  ASSERT_GT(grandchild, 0);
  EXPECT_FALSE(process_gone(child));

  *h = Handle();
  EXPECT_TRUE(wait_for([&] { return kill(child, 0) == -1 && errno == ESRCH; }))
      << "child not reaped";
  EXPECT_TRUE(wait_for([&] { return process_gone(grandchild); }));
  EXPECT_FALSE(called);
}

TEST_F(ChildRunnerTest, DoneMayDestroyTheHandle) {
  std::optional<Handle> h;
  int calls = 0;
  h = *runner_->run(spec({"/bin/true"}), [&](const ChildResult& r) {
    h.reset();
    EXPECT_TRUE(r.succeeded());
    ++calls;
  });
  ASSERT_TRUE(wait_for([&] { return calls == 1; }));
  EXPECT_FALSE(h.has_value());
}

TEST(FindExecutable, SearchesPathInOrderAndSkipsNonExecutables) {
  EXPECT_EQ(find_executable("sh", "/nonexistent:/bin:/usr/bin"), "/bin/sh");
  EXPECT_EQ(find_executable("passwd", "/etc:/usr/bin"), "/usr/bin/passwd");  // /etc/passwd
  EXPECT_EQ(find_executable("/any/path", ""), "/any/path");
  EXPECT_FALSE(find_executable("sh", "/nonexistent").has_value());
}

TEST(MergeEnvironment, ExtraEntriesReplaceSameKeyAndAppendNewOnes) {
  EXPECT_EQ(merge_environment({"A=1", "B=2", "AB=3"}, {"B=x", "C=y"}),
            (std::vector<std::string>{"A=1", "AB=3", "B=x", "C=y"}));
}

}  // namespace
}  // namespace hadirector::core
