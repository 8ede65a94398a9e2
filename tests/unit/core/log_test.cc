#include "daemon/core/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon/core/manual_scheduler.h"

namespace hadirector::core {
namespace {

using namespace std::chrono_literals;

TEST(LogLevel, ParsesNamesCaseInsensitively) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::kDebug);
  EXPECT_EQ(parse_log_level("INFO"), LogLevel::kInfo);
  EXPECT_EQ(parse_log_level("Notice"), LogLevel::kNotice);
  EXPECT_EQ(parse_log_level("warning"), LogLevel::kWarning);
  EXPECT_EQ(parse_log_level("warn"), LogLevel::kWarning);
  EXPECT_EQ(parse_log_level("error"), LogLevel::kError);
  EXPECT_EQ(parse_log_level("err"), LogLevel::kError);
}

TEST(LogLevel, RejectsUnknownNameListingTheValidOnes) {
  auto r = parse_log_level("verbose");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Errc::kInvalid);
  EXPECT_EQ(r.error().message(),
            "unknown log level \"verbose\" (expected debug, info, notice, warning or error)");
}

TEST(LogLevel, NamesRoundTripThroughParse) {
  for (auto level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kNotice, LogLevel::kWarning,
                     LogLevel::kError}) {
    EXPECT_EQ(parse_log_level(log_level_name(level)), level);
  }
}

TEST(LogLevel, MapsToSyslogPriorities) {
  EXPECT_EQ(log_level_priority(LogLevel::kDebug), 7);
  EXPECT_EQ(log_level_priority(LogLevel::kNotice), 5);
  EXPECT_EQ(log_level_priority(LogLevel::kError), 3);
}

TEST(LogLevel, MessagesBelowTheSetLevelAreDisabled) {
  LogLevel saved = log_level();
  set_log_level(LogLevel::kWarning);
  EXPECT_FALSE(log_enabled(LogLevel::kInfo));
  EXPECT_TRUE(log_enabled(LogLevel::kWarning));
  EXPECT_TRUE(log_enabled(LogLevel::kError));
  set_log_level(saved);
}

TEST(LogLine, HasUtcMillisecondStampIdentityPidAndLevel) {
  auto when = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 10h + 123ms;
  EXPECT_EQ(format_log_line(when, "hadirectord", 42, LogLevel::kInfo, "reload complete", {}),
            "2026-11-22T10:00:00.123Z hadirectord[42] info: reload complete\n");
}

TEST(LogLine, AppendsFieldsInBracketsQuotingAwkwardValues) {
  auto when = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + 3h + 4min + 5s;
  EXPECT_EQ(format_log_line(when, "hd", 7, LogLevel::kWarning, "check failed",
                            {{"instance", "web"}, {"reason", "connection refused"}, {"x", ""}}),
            "2026-01-02T03:04:05.000Z hd[7] warning: check failed "
            "[instance=web reason=\"connection refused\" x=\"\"]\n");
}

// Runs fn with stderr redirected into a pipe and returns what it wrote.
std::string capture_stderr(const std::function<void()>& fn) {
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  int saved = dup(STDERR_FILENO);
  dup2(fds[1], STDERR_FILENO);
  fn();
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  return out;
}

TEST(Log, WritesOneLinePerMessageToStderrAtOrAboveTheLevel) {
  set_log_destination(LogDestination::kStderr);
  set_log_identity("hd-test");
  LogLevel saved = log_level();
  set_log_level(LogLevel::kInfo);
  std::string out = capture_stderr([] {
    log_debug("hidden");
    log_notice("vrrp instance web: BACKUP -> MASTER (timeout)", {{"HADIRECTOR_INSTANCE", "web"}});
  });
  set_log_level(saved);
  set_log_identity("hadirectord");
  set_log_destination(LogDestination::kAuto);
  EXPECT_EQ(out.find("hidden"), std::string::npos);
  std::string expected_tail =
      "] notice: vrrp instance web: BACKUP -> MASTER (timeout) "
      "[HADIRECTOR_INSTANCE=web]\n";
  ASSERT_GE(out.size(), expected_tail.size());
  EXPECT_EQ(out.substr(out.size() - expected_tail.size()), expected_tail);
  EXPECT_NE(out.find(" hd-test[" + std::to_string(getpid()) + "]"), std::string::npos);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(JournalStream, MatchesOnlyTheSameDeviceAndInode) {
  EXPECT_TRUE(journal_stream_matches("8:12345", 8, 12345));
  EXPECT_FALSE(journal_stream_matches("8:12345", 8, 12346));
  EXPECT_FALSE(journal_stream_matches("9:12345", 8, 12345));
  EXPECT_FALSE(journal_stream_matches("8", 8, 12345));
  EXPECT_FALSE(journal_stream_matches(":12345", 0, 12345));
  EXPECT_FALSE(journal_stream_matches("8:12345x", 8, 12345));
}

TEST(JournalField, NamesAreUpperCaseWithUnderscores) {
  EXPECT_EQ(journal_field_name("HADIRECTOR_INSTANCE"), "HADIRECTOR_INSTANCE");
  EXPECT_EQ(journal_field_name("instance"), "INSTANCE");
  EXPECT_EQ(journal_field_name("real-server.addr"), "REAL_SERVER_ADDR");
  EXPECT_EQ(journal_field_name("_PID"), "PID");  // trusted fields are journald's own
  EXPECT_EQ(journal_field_name("1st"), "F_1ST");
}

TEST(RateLimitedLog, AllowsBurstThenSuppressesWithinInterval) {
  ManualScheduler clock;
  RateLimitedLog limiter(clock, 2, 1s);
  EXPECT_EQ(limiter.admit("bad-vrid", "bad vrid 7"), "bad vrid 7");
  EXPECT_EQ(limiter.admit("bad-vrid", "bad vrid 7"), "bad vrid 7");
  EXPECT_EQ(limiter.admit("bad-vrid", "bad vrid 7"), std::nullopt);
  clock.advance(500ms);
  EXPECT_EQ(limiter.admit("bad-vrid", "bad vrid 7"), std::nullopt);
  EXPECT_EQ(limiter.suppressed("bad-vrid"), 2u);
}

TEST(RateLimitedLog, ReportsSuppressedCountWhenTheNextWindowOpens) {
  ManualScheduler clock;
  RateLimitedLog limiter(clock, 1, 1s);
  ASSERT_TRUE(limiter.admit("k", "m"));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.admit("k", "m"));
  clock.advance(1s);
  EXPECT_EQ(limiter.admit("k", "m"), "m (suppressed 5 similar messages)");
  EXPECT_EQ(limiter.suppressed("k"), 0u);
  clock.advance(1s);
  EXPECT_EQ(limiter.admit("k", "m"), "m");  // nothing dropped in between
}

TEST(RateLimitedLog, LazyMessagesAreBuiltOnlyWhenLogged) {
  ManualScheduler clock;
  RateLimitedLog limiter(clock, 2, 1s);
  int built = 0;
  auto make = [&built] {
    ++built;
    return std::string("dropped");
  };
  for (int i = 0; i < 10; ++i) limiter.log_lazy(LogLevel::kError, "k", make);
  EXPECT_EQ(built, 2);
  EXPECT_EQ(limiter.suppressed("k"), 8u);
  clock.advance(1s);
  EXPECT_TRUE(limiter.log_lazy(LogLevel::kError, "k", make));
  EXPECT_EQ(built, 3);
  EXPECT_EQ(limiter.suppressed("k"), 0u);
}

TEST(RateLimitedLog, KeysAreLimitedIndependently) {
  ManualScheduler clock;
  RateLimitedLog limiter(clock, 1, 1s);
  EXPECT_TRUE(limiter.admit("a", "from a"));
  EXPECT_FALSE(limiter.admit("a", "from a"));
  EXPECT_TRUE(limiter.admit("b", "from b"));
}

TEST(RateLimitedLog, ManyDistinctKeysShareAnOverflowWindow) {
  ManualScheduler clock;
  RateLimitedLog limiter(clock, 1, 1s);
  size_t admitted = 0;
  for (int i = 0; i < 5000; ++i) {
    if (limiter.admit("src " + std::to_string(i), "bad packet")) ++admitted;
  }
  // 1024 keys get their own window; all later keys share one, which admits a single message.
  EXPECT_EQ(admitted, 1025u);
}

TEST(RateLimitedLog, IdleKeysAreForgottenWhenTheTableIsFull) {
  ManualScheduler clock;
  RateLimitedLog limiter(clock, 1, 1s);
  for (int i = 0; i < 1024; ++i) limiter.admit("old " + std::to_string(i), "m");
  clock.advance(1s);
  // The old windows have expired without suppressing anything: new keys get their own again.
  EXPECT_TRUE(limiter.admit("new 1", "m"));
  EXPECT_TRUE(limiter.admit("new 2", "m"));
}

}  // namespace
}  // namespace hadirector::core
