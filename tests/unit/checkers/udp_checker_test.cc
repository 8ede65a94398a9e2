// The udp check type: validation messages with their FILE:LINE:COL, hex payloads, and probes
// against a UDP responder this test runs on loopback (and a closed port for ICMP errors).
#include "checkers/udp/udp_checker.h"

#include <gtest/gtest.h>

#include "tests/unit/checkers/node_builder.h"
#include "tests/unit/checkers/type_test_support.h"

namespace hadirector::checkers {
namespace {

using testing::map;
using testing::scalar;
using testing::UdpTestServer;
using namespace std::chrono_literals;

class UdpCheck : public testing::TypeTest {
 protected:
  UdpCheckerFactory factory_;
};

TEST_F(UdpCheck, ValidBlocksHaveNoErrors) {
  EXPECT_TRUE(factory_.validate(config::Node{}).empty());
  EXPECT_TRUE(
      factory_.validate(map({{"payload", scalar("ping")}, {"expect", scalar("pong")}})).empty());
  EXPECT_TRUE(factory_
                  .validate(map({{"payload_hex", scalar("de ad BE ef")},
                                 {"expect_reply", scalar("false")},
                                 {"wait", scalar("200ms")}}))
                  .empty());
}

TEST_F(UdpCheck, PayloadAndPayloadHexExcludeEachOther) {
  EXPECT_EQ(only_error(factory_, map({{"payload", scalar("a")}, {"payload_hex", scalar("61")}})),
            "checks.yaml:3:10: 'payload' and 'payload_hex' exclude each other; keep one");
}

TEST_F(UdpCheck, PayloadHexMustBePairsOfHexDigits) {
  EXPECT_EQ(only_error(factory_, map({{"payload_hex", scalar("abc")}})),
            "checks.yaml:2:10: 'payload_hex' must be pairs of hex digits, not 'abc'");
  EXPECT_EQ(factory_.validate(map({{"payload_hex", scalar("zz")}})).size(), 1u);
}

TEST_F(UdpCheck, ExpectContradictsExpectReplyFalse) {
  EXPECT_EQ(
      only_error(factory_, map({{"expect", scalar("pong")}, {"expect_reply", scalar("false")}})),
      "checks.yaml:2:10: 'expect' needs a reply; it contradicts 'expect_reply: false'");
}

TEST_F(UdpCheck, WaitAppliesOnlyWithoutAnExpectedReply) {
  EXPECT_EQ(only_error(factory_, map({{"wait", scalar("1s")}})),
            "checks.yaml:2:10: 'wait' applies only with 'expect_reply: false'");
  EXPECT_EQ(
      only_error(factory_, map({{"expect_reply", scalar("false")}, {"wait", scalar("soon")}})),
      "checks.yaml:3:10: 'wait' must be a positive duration like '500ms', not 'soon'");
}

TEST_F(UdpCheck, ExpectAndExpectRegexExcludeEachOther) {
  EXPECT_EQ(only_error(factory_, map({{"expect", scalar("a")}, {"expect_regex", scalar("b")}})),
            "checks.yaml:3:10: 'expect' and 'expect_regex' exclude each other; keep one");
}

TEST_F(UdpCheck, UnknownKeySuggestsTheClosestOne) {
  EXPECT_EQ(only_error(factory_, map({{"paylod", scalar("x")}})),
            "checks.yaml:2:3: unknown key 'paylod' in udp check; did you mean 'payload'?");
}

TEST_F(UdpCheck, DecodesHexWithSpacesAndEitherCase) {
  EXPECT_EQ(udp::decode_hex("00 ff Aa"), std::string("\x00\xff\xaa", 3));
  EXPECT_EQ(udp::decode_hex(""), "");
  EXPECT_FALSE(udp::decode_hex("0"));
  EXPECT_FALSE(udp::decode_hex("0g"));
}

TEST_F(UdpCheck, PassesWhenTheReplyContainsExpect) {
  UdpTestServer server(false, [](const std::string& r) { return "echo:" + r; });
  ASSERT_TRUE(server.ok());
  auto checker = make(factory_, map({{"payload", scalar("ping")}, {"expect", scalar("echo:ping")}}),
                      "127.0.0.1", server.port());
  auto result = probe(*checker);
  EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
}

TEST_F(UdpCheck, SendsPayloadHexAsBinary) {
  UdpTestServer server(false, [](const std::string& r) -> std::optional<std::string> {
    return r == std::string("\x00\x01\xfe", 3) ? "binary ok" : "wrong bytes";
  });
  auto checker =
      make(factory_, map({{"payload_hex", scalar("0001fe")}, {"expect_regex", scalar("^binary")}}),
           "127.0.0.1", server.port());
  EXPECT_TRUE(probe(*checker).ok);
}

TEST_F(UdpCheck, FailsExpectMismatchOnAnotherReply) {
  UdpTestServer server(false, [](const std::string&) { return std::string("nope"); });
  auto checker = make(factory_, map({{"expect", scalar("yes")}}), "127.0.0.1", server.port());
  auto result = probe(*checker);
  EXPECT_EQ(result.reason, "expect-mismatch");
  EXPECT_NE(result.detail.find("nope"), std::string::npos);
}

TEST_F(UdpCheck, OverIpv6PassesOnAReply) {
  UdpTestServer server(true, [](const std::string& r) { return r; });
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback here";
  auto checker = make(factory_, map({{"payload", scalar("v6")}}), "::1", server.port());
  EXPECT_TRUE(probe(*checker).ok);
}

TEST_F(UdpCheck, ExpectingAReplyFailsPortUnreachableOnAClosedPort) {
  auto checker =
      make(factory_, map({{"payload", scalar("x")}}), "127.0.0.1", testing::closed_udp_port());
  EXPECT_EQ(probe(*checker).reason, "port-unreachable");
}

TEST_F(UdpCheck, NoReplyExpectedFailsWhenThePortIsUnreachable) {
  auto checker = make(factory_, map({{"expect_reply", scalar("false")}, {"wait", scalar("5s")}}),
                      "127.0.0.1", testing::closed_udp_port());
  auto result = probe(*checker, 4s);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.reason, "port-unreachable");
}

TEST_F(UdpCheck, NoReplyExpectedPassesWhenTheServerStaysSilent) {
  UdpTestServer server(false, [](const std::string&) { return std::nullopt; });
  auto checker = make(factory_, map({{"expect_reply", scalar("false")}, {"wait", scalar("50ms")}}),
                      "127.0.0.1", server.port());
  auto result = probe(*checker);
  EXPECT_TRUE(result.ok) << result.reason;
  EXPECT_EQ(server.requests(), 1);
}

}  // namespace
}  // namespace hadirector::checkers
