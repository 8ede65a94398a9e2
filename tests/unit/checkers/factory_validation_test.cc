#include <gtest/gtest.h>

#include "checkers/param_reader.h"
#include "checkers/registry.h"
#include "tests/unit/checkers/node_builder.h"

namespace hadirector::checkers {
namespace {

using testing::map;
using testing::scalar;
using testing::sequence;

class FactoryValidation : public ::testing::Test {
 protected:
  FactoryValidation() { register_builtin_checkers(registry_); }
  std::vector<config::ConfigError> validate(const std::string& type, const config::Node& params) {
    return registry_.validate(type, {"checks.yaml", 1, 9}, params);
  }
  // The single error's "FILE:LINE:COL: message".
  std::string only_error(const std::string& type, const config::Node& params) {
    auto errors = validate(type, params);
    EXPECT_EQ(errors.size(), 1u);
    return errors.empty() ? "" : errors[0].to_string();
  }
  CheckerRegistry registry_;
};

TEST_F(FactoryValidation, RegistersTheBuiltinTypes) {
  EXPECT_EQ(registry_.types(), (std::vector<std::string>{"agent", "dns", "exec", "file", "http",
                                                         "https", "icmp", "smtp", "tcp", "udp"}));
}

TEST_F(FactoryValidation, UnknownTypeSuggestsTheClosestOne) {
  EXPECT_EQ(only_error("htp", map({})),
            "checks.yaml:1:9: unknown check type 'htp'; did you mean 'http'?");
}

TEST_F(FactoryValidation, ValidBlocksHaveNoErrors) {
  EXPECT_TRUE(validate("tcp", config::Node{}).empty());
  EXPECT_TRUE(
      validate("tcp", map({{"send", scalar("PING\r\n")}, {"expect", scalar("+PONG")}})).empty());
  EXPECT_TRUE(
      validate("http", map({{"method", scalar("HEAD")},
                            {"path", scalar("/healthz")},
                            {"host", scalar("www.example.com")},
                            {"headers", map({{"X-Check", scalar("1")}})},
                            {"expect_status", sequence({scalar("200-299"), scalar("301")})}}))
          .empty());
  EXPECT_TRUE(validate("https", map({{"sni", scalar("www.example.com")},
                                     {"verify", scalar("true")},
                                     {"ca_file", scalar("/etc/ssl/ca.pem")}}))
                  .empty());
  EXPECT_TRUE(validate("agent", map({{"send", scalar("status\n")}})).empty());
}

TEST_F(FactoryValidation, UnknownKeyIsRejectedWithADidYouMeanAtTheKey) {
  EXPECT_EQ(only_error("http", map({{"path", scalar("/")}, {"expect_stauts", scalar("200")}})),
            "checks.yaml:3:3: unknown key 'expect_stauts' in http check; did you mean "
            "'expect_status'?");
}

TEST_F(FactoryValidation, UnknownKeyFarFromAnyListsTheKnownKeys) {
  auto error = only_error("agent", map({{"zzzzzzzzzz", scalar("1")}}));
  EXPECT_EQ(error,
            "checks.yaml:2:3: unknown key 'zzzzzzzzzz' in agent check; expected one of: "
            "send");
}

TEST_F(FactoryValidation, HttpsOnlyKeysAreUnknownToHttp) {
  auto error = only_error("http", map({{"sni", scalar("example.com")}}));
  EXPECT_NE(error.find("unknown key 'sni' in http check"), std::string::npos);
}

TEST_F(FactoryValidation, ExpectStatusRejectsBadCodesAndRanges) {
  EXPECT_EQ(
      only_error("http", map({{"expect_status", sequence({scalar("200"), scalar("299-200")})}})),
      "checks.yaml:2:10: 'expect_status' items are codes 100-599 or ranges like '200-299', "
      "not '299-200'");
  EXPECT_EQ(validate("http", map({{"expect_status", scalar("700")}})).size(), 1u);
}

TEST_F(FactoryValidation, MethodMustBeGetOrHead) {
  EXPECT_EQ(only_error("http", map({{"method", scalar("POST")}})),
            "checks.yaml:2:10: 'method' must be GET or HEAD, not 'POST'");
}

TEST_F(FactoryValidation, PathMustStartWithSlash) {
  EXPECT_EQ(only_error("http", map({{"path", scalar("healthz")}})),
            "checks.yaml:2:10: 'path' must start with '/' and hold no spaces");
}

TEST_F(FactoryValidation, KeepAliveKeysAreCheckedAndAConnectionHeaderRefused) {
  EXPECT_TRUE(validate("http", map({{"keep_alive", scalar("false")}})).empty());
  EXPECT_TRUE(validate("https", map({{"keep_alive_requests", scalar("10")}})).empty());
  EXPECT_NE(only_error("http", map({{"keep_alive", scalar("sometimes")}})).find("'keep_alive'"),
            std::string::npos);
  EXPECT_EQ(
      only_error("http", map({{"keep_alive_requests", scalar("0")}})),
      "checks.yaml:2:10: 'keep_alive_requests' must be an integer from 1 to 1000000, not '0'");
  EXPECT_EQ(only_error("http", map({{"keep_alive", scalar("false")},
                                    {"keep_alive_requests", scalar("5")}})),
            "checks.yaml:3:10: 'keep_alive_requests' has no effect with 'keep_alive: false'");
  EXPECT_EQ(only_error("http", map({{"headers", map({{"connection", scalar("close")}})}})),
            "checks.yaml:2:10: the 'Connection' header is set by the check; use 'keep_alive' "
            "instead");
}

TEST_F(FactoryValidation, DigestMustBeSha256Hex) {
  EXPECT_EQ(only_error("http", map({{"expect_digest", scalar("abc")}})),
            "checks.yaml:2:10: 'expect_digest' must be 64 hex digits (SHA-256)");
}

TEST_F(FactoryValidation, BadRegexIsReportedAtItsValue) {
  auto error = only_error("http", map({{"expect_body_regex", scalar("(unclosed")}}));
  EXPECT_EQ(
      error.rfind("checks.yaml:2:10: 'expect_body_regex' is not a valid regular expression", 0),
      0u);
}

TEST_F(FactoryValidation, TcpExpectAndExpectRegexExcludeEachOther) {
  EXPECT_EQ(only_error("tcp", map({{"expect", scalar("OK")}, {"expect_regex", scalar("^OK")}})),
            "checks.yaml:3:10: 'expect' and 'expect_regex' exclude each other; keep one");
}

TEST_F(FactoryValidation, ClientCertNeedsClientKey) {
  EXPECT_EQ(only_error("https", map({{"client_cert", scalar("/c.pem")}})),
            "checks.yaml:2:10: 'client_cert' and 'client_key' go together; give both");
}

TEST_F(FactoryValidation, VerifyMustBeABoolean) {
  EXPECT_EQ(only_error("https", map({{"verify", scalar("maybe")}})),
            "checks.yaml:2:10: 'verify' must be true or false, not 'maybe'");
}

TEST_F(FactoryValidation, ParamsMustBeAMap) {
  EXPECT_EQ(only_error("tcp", scalar("oops")), "checks.yaml:1:10: tcp check must be a map of keys");
}

TEST_F(FactoryValidation, EveryErrorIsReportedNotOnlyTheFirst) {
  auto errors = validate(
      "http", map({{"method", scalar("PUT")}, {"path", scalar("x")}, {"bogus", scalar("1")}}));
  EXPECT_EQ(errors.size(), 3u);
}

TEST(CheckKey, KeyOrderDoesNotChangeTheIdentity) {
  CheckTarget target{"192.0.2.1", 80, std::nullopt};
  auto a = make_check_key("http", target, map({{"path", scalar("/a")}, {"host", scalar("h")}}));
  auto b = make_check_key("http", target, map({{"host", scalar("h")}, {"path", scalar("/a")}}));
  auto c = make_check_key("http", target, map({{"host", scalar("h")}, {"path", scalar("/b")}}));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a,
            make_check_key("https", target, map({{"path", scalar("/a")}, {"host", scalar("h")}})));
}

TEST(CheckKey, TargetPrintsIpv6InBracketsWithTheEffectivePort) {
  EXPECT_EQ((CheckTarget{"2001:db8::1", 80, 8080}).to_string(), "[2001:db8::1]:8080");
  EXPECT_EQ((CheckTarget{"192.0.2.1", 80, std::nullopt}).to_string(), "192.0.2.1:80");
}

}  // namespace
}  // namespace hadirector::checkers
