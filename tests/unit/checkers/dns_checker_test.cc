// The dns check type: validation messages with their FILE:LINE:COL, verdicts on responses, and
// probes over UDP (IPv4, IPv6) and TCP against a small responder this test runs on loopback.
#include "checkers/dns/dns_checker.h"

#include <gtest/gtest.h>

#include <mutex>

#include "tests/unit/checkers/node_builder.h"
#include "tests/unit/checkers/test_server.h"
#include "tests/unit/checkers/type_test_support.h"

namespace hadirector::checkers {
namespace {

using testing::map;
using testing::scalar;
using testing::UdpTestServer;

std::string u16(int v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}; }

// An A record for the question's name (a pointer to offset 12).
std::string a_record(std::initializer_list<int> address) {
  std::string rr = u16(0xC00C) + u16(1) + u16(1) + u16(0) + u16(60) + u16(4);
  for (int b : address) rr += static_cast<char>(b);
  return rr;
}

// The responder: echoes the query's id and question, sets QR/RA and `rcode`, adds `answers`.
std::string respond(const std::string& query, int rcode, const std::vector<std::string>& answers) {
  std::string out = query.substr(0, 2) + u16(0x8180 | rcode) + u16(1) +
                    u16(static_cast<int>(answers.size())) + u16(0) + u16(0) + query.substr(12);
  for (const auto& rr : answers) out += rr;
  return out;
}

class DnsCheck : public testing::TypeTest {
 protected:
  DnsCheckerFactory factory_{42};
};

TEST_F(DnsCheck, ValidBlocksHaveNoErrors) {
  EXPECT_TRUE(factory_.validate(map({{"name", scalar("example.org")}})).empty());
  EXPECT_TRUE(factory_
                  .validate(map({{"name", scalar("_sip._udp.example.org")},
                                 {"type", scalar("SRV")},
                                 {"expect_rcode", scalar("NXDOMAIN")},
                                 {"expect_answer", scalar("sip.example.org")},
                                 {"tcp", scalar("true")}}))
                  .empty());
}

TEST_F(DnsCheck, NameIsRequiredAndReportedAtTheCheck) {
  EXPECT_EQ(only_error(factory_, map({{"type", scalar("A")}})),
            "checks.yaml:1:1: dns check needs 'name', the domain name to ask for");
}

TEST_F(DnsCheck, NameMustBeAValidDomainName) {
  EXPECT_EQ(only_error(factory_, map({{"name", scalar("a..org")}})),
            "checks.yaml:2:10: 'name' is not a valid domain name: empty label in 'a..org'");
}

TEST_F(DnsCheck, TypeMustBeASupportedRecordType) {
  EXPECT_EQ(only_error(factory_, map({{"name", scalar("x.org")}, {"type", scalar("AAA")}})),
            "checks.yaml:3:10: 'type' must be one of A, AAAA, CNAME, MX, TXT, NS, SOA, PTR, SRV, "
            "not 'AAA'; did you mean 'AAAA'?");
}

TEST_F(DnsCheck, ExpectRcodeMustBeAResponseCode) {
  EXPECT_EQ(
      only_error(factory_, map({{"name", scalar("x.org")}, {"expect_rcode", scalar("NXDOMIAN")}})),
      "checks.yaml:3:10: 'expect_rcode' must be a response code like NOERROR or NXDOMAIN, not "
      "'NXDOMIAN'");
}

TEST_F(DnsCheck, ExpectAnswerMustBeAnAddressOfTheQueriedFamily) {
  EXPECT_EQ(only_error(factory_, map({{"name", scalar("x.org")},
                                      {"type", scalar("AAAA")},
                                      {"expect_answer", scalar("192.0.2.1")}})),
            "checks.yaml:4:10: 'expect_answer' must be an IPv6 address for a AAAA query, not "
            "'192.0.2.1'");
}

TEST_F(DnsCheck, AQueryKeyIsUnknownAndNameStillMissing) {
  auto errors = factory_.validate(map({{"query", scalar("example.org")}}));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].to_string(),
            "checks.yaml:1:1: dns check needs 'name', the domain name to ask for");
  EXPECT_EQ(errors[1].to_string().substr(0, 49),
            "checks.yaml:2:3: unknown key 'query' in dns check");
}

TEST_F(DnsCheck, VerdictRequiresOurIdAndQuestion) {
  dns::DnsParams params;
  params.question = dns::Question{"example.org", 1, dns::kClassIn};
  const std::string query = *dns::encode_query(7, params.question);
  EXPECT_TRUE(dns::interpret_dns_response(respond(query, 0, {}), 7, params).ok);
  EXPECT_EQ(dns::interpret_dns_response(respond(query, 0, {}), 8, params).reason,
            "dns-bad-response");
  params.question.name = "example.net";
  EXPECT_EQ(dns::interpret_dns_response(respond(query, 0, {}), 7, params).detail,
            "the response answers another question");
  EXPECT_EQ(dns::interpret_dns_response(query, 7, params).reason, "dns-bad-response");
}

TEST_F(DnsCheck, PassesWhenTheAnswerHoldsTheExpectedAddress) {
  std::mutex mutex;
  std::string seen;
  UdpTestServer server(false, [&](const std::string& q) -> std::optional<std::string> {
    std::lock_guard lock(mutex);
    seen = q;
    return respond(q, 0, {a_record({192, 0, 2, 7}), a_record({192, 0, 2, 8})});
  });
  auto checker = make(
      factory_, map({{"name", scalar("www.example.org")}, {"expect_answer", scalar("192.0.2.8")}}),
      "127.0.0.1", server.port());
  auto result = probe(*checker);
  EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
  EXPECT_EQ(result.detail, "NOERROR: A 192.0.2.7, A 192.0.2.8");
  std::lock_guard lock(mutex);
  auto query = dns::parse_message(seen);
  ASSERT_TRUE(query);
  EXPECT_TRUE(query->recursion_desired);
  EXPECT_EQ(query->questions.at(0).name, "www.example.org");
}

TEST_F(DnsCheck, FailsAnswerMismatchWhenTheAddressIsAbsent) {
  UdpTestServer server(false, [](const std::string& q) {
    return respond(q, 0, {a_record({192, 0, 2, 7})});
  });
  auto checker =
      make(factory_, map({{"name", scalar("example.org")}, {"expect_answer", scalar("192.0.2.9")}}),
           "127.0.0.1", server.port());
  auto result = probe(*checker);
  EXPECT_EQ(result.reason, "dns-answer-mismatch");
  EXPECT_EQ(result.detail, "'192.0.2.9' not in the answer (A 192.0.2.7)");
}

TEST_F(DnsCheck, FailsWithTheResponseCodeInTheReason) {
  UdpTestServer server(false, [](const std::string& q) { return respond(q, 3, {}); });
  auto checker =
      make(factory_, map({{"name", scalar("gone.example.org")}}), "127.0.0.1", server.port());
  EXPECT_EQ(probe(*checker).reason, "dns-rcode-NXDOMAIN");
  auto expecting = make(
      factory_, map({{"name", scalar("gone.example.org")}, {"expect_rcode", scalar("NXDOMAIN")}}),
      "127.0.0.1", server.port());
  EXPECT_TRUE(probe(*expecting).ok);
}

TEST_F(DnsCheck, OverIpv6Passes) {
  UdpTestServer server(true, [](const std::string& q) { return respond(q, 0, {}); });
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback here";
  auto checker = make(factory_, map({{"name", scalar("example.org")}}), "::1", server.port());
  EXPECT_TRUE(probe(*checker).ok);
}

TEST_F(DnsCheck, FailsPortUnreachableWhenNoServerListens) {
  auto checker = make(factory_, map({{"name", scalar("example.org")}}), "127.0.0.1",
                      testing::closed_udp_port());
  EXPECT_EQ(probe(*checker).reason, "port-unreachable");
}

TEST_F(DnsCheck, OverTcpSendsALengthPrefixedQuery) {
  auto complete = [](const std::string& r) {
    return r.size() >= 2 &&
           r.size() >= 2u + (static_cast<uint8_t>(r[0]) << 8 | static_cast<uint8_t>(r[1]));
  };
  testing::TestServer server(
      {.request_complete = complete, .reply = [](const std::string& r) {
         std::string response = respond(r.substr(2), 0, {a_record({198, 51, 100, 1})});
         return u16(static_cast<int>(response.size())) + response;
       }});
  ASSERT_TRUE(server.ok());
  auto checker = make(factory_,
                      map({{"name", scalar("example.org")},
                           {"expect_answer", scalar("198.51.100.1")},
                           {"tcp", scalar("yes")}}),
                      "127.0.0.1", server.port());
  auto result = probe(*checker);
  EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
}

TEST_F(DnsCheck, QueryIdsFollowTheSeed) {
  std::mutex mutex;
  std::vector<std::string> ids;
  UdpTestServer server(false, [&](const std::string& q) {
    std::lock_guard lock(mutex);
    ids.push_back(q.substr(0, 2));
    return respond(q, 0, {});
  });
  for (uint64_t seed : {7, 7, 8}) {
    DnsCheckerFactory factory(seed);
    auto checker =
        make(factory, map({{"name", scalar("example.org")}}), "127.0.0.1", server.port());
    EXPECT_TRUE(probe(*checker).ok);
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_NE(ids[0], ids[2]);
}

}  // namespace
}  // namespace hadirector::checkers
