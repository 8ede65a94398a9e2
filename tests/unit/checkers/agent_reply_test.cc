#include "checkers/agent/agent_reply.h"

#include <gtest/gtest.h>

#include "checkers/agent/agent_checker.h"

namespace hadirector::checkers::agent {
namespace {

AgentReply parse_ok(std::string_view line) {
  auto r = parse_agent_reply(line);
  EXPECT_TRUE(r) << line << ": " << (r ? "" : r.error().message());
  return r.value_or(AgentReply{});
}

TEST(AgentReply, ParsesEveryHealthWord) {
  EXPECT_EQ(parse_ok("up\n").health, AgentHealth::kUp);
  EXPECT_EQ(parse_ok("down\n").health, AgentHealth::kDown);
  EXPECT_EQ(parse_ok("failed\n").health, AgentHealth::kFailed);
  EXPECT_EQ(parse_ok("stopped\n").health, AgentHealth::kStopped);
}

TEST(AgentReply, ParsesEveryAdminWord) {
  EXPECT_EQ(parse_ok("ready\n").advice.admin, AgentAdmin::kReady);
  EXPECT_EQ(parse_ok("drain\n").advice.admin, AgentAdmin::kDrain);
  EXPECT_EQ(parse_ok("maint\n").advice.admin, AgentAdmin::kMaint);
}

TEST(AgentReply, ParsesAWeightPercentage) {
  EXPECT_EQ(parse_ok("75%\n").advice.weight_percent, 75u);
  EXPECT_EQ(parse_ok("0%").advice.weight_percent, 0u);
}

TEST(AgentReply, ParsesMaxconn) { EXPECT_EQ(parse_ok("maxconn:30\n").advice.maxconn, 30u); }

TEST(AgentReply, TakesTheTextAfterHashAsTheReason) {
  auto r = parse_ok("down #disk full \n");
  EXPECT_EQ(r.health, AgentHealth::kDown);
  EXPECT_EQ(r.reason, "disk full");
}

TEST(AgentReply, CombinesWordsSeparatedBySpacesTabsAndCommas) {
  auto r = parse_ok("up,\t50% drain  maxconn:10 # rolling deploy\r\n");
  EXPECT_EQ(r.health, AgentHealth::kUp);
  EXPECT_EQ(r.advice.weight_percent, 50u);
  EXPECT_EQ(r.advice.admin, AgentAdmin::kDrain);
  EXPECT_EQ(r.advice.maxconn, 10u);
  EXPECT_EQ(r.reason, "rolling deploy");
}

TEST(AgentReply, MatchesKeywordsWithoutRegardToCase) {
  EXPECT_EQ(parse_ok("DOWN\n").health, AgentHealth::kDown);
  EXPECT_EQ(parse_ok("Drain\n").advice.admin, AgentAdmin::kDrain);
}

TEST(AgentReply, ReadsOnlyTheFirstLine) {
  auto r = parse_ok("up\ndown\n");
  EXPECT_EQ(r.health, AgentHealth::kUp);
}

TEST(AgentReply, IgnoresUnknownWordsButRemembersThem) {
  auto r = parse_ok("up sparkle\n");
  EXPECT_EQ(r.health, AgentHealth::kUp);
  ASSERT_EQ(r.ignored_words.size(), 1u);
  EXPECT_EQ(r.ignored_words[0], "sparkle");
}

TEST(AgentReply, RejectsEmptyAndMalformedReplies) {
  EXPECT_FALSE(parse_agent_reply(""));
  EXPECT_FALSE(parse_agent_reply(" \t\r\n"));
  EXPECT_FALSE(parse_agent_reply("abc%\n"));
  EXPECT_FALSE(parse_agent_reply("%\n"));
  EXPECT_FALSE(parse_agent_reply("99999999999%\n"));
  EXPECT_FALSE(parse_agent_reply("maxconn:\n"));
  EXPECT_FALSE(parse_agent_reply("maxconn:x\n"));
}

TEST(AgentVerdict, DownFailedAndStoppedFailTheProbeWithTheirReason) {
  auto down = interpret_agent_reply("down #maintenance window\n");
  EXPECT_FALSE(down.ok);
  EXPECT_EQ(down.reason, "agent-down");
  EXPECT_EQ(down.detail, "maintenance window");
  EXPECT_EQ(interpret_agent_reply("failed\n").reason, "agent-failed");
  EXPECT_EQ(interpret_agent_reply("stopped\n").reason, "agent-stopped");
}

TEST(AgentVerdict, AdviceWithoutHealthPassesAndCarriesTheAdvice) {
  auto r = interpret_agent_reply("drain 10%\n");
  EXPECT_TRUE(r.ok);
  ASSERT_TRUE(r.agent);
  EXPECT_EQ(r.agent->admin, AgentAdmin::kDrain);
  EXPECT_EQ(r.agent->weight_percent, 10u);
}

TEST(AgentVerdict, GarbageIsABadReply) {
  EXPECT_EQ(interpret_agent_reply("12x%\n").reason, "agent-bad-reply");
}

}  // namespace
}  // namespace hadirector::checkers::agent
