// The icmp check type: echo request bytes, classification of replies and errors (golden
// packets), and real pings to 127.0.0.1 and ::1 over ping sockets and raw sockets.
#include "checkers/icmp/icmp_checker.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checkers/icmp/icmp_packet.h"
#include "tests/unit/checkers/node_builder.h"
#include "tests/unit/checkers/type_test_support.h"

namespace hadirector::checkers {
namespace {

using icmp::classify_icmp;
using icmp::EchoExpectation;
using icmp::IcmpVerdict;
using testing::map;
using testing::scalar;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

// A minimal IPv4 header (IHL 5) in front of `payload`.
std::string ipv4(const std::string& payload) {
  return bytes({0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}) + payload;
}

TEST(IcmpPacket, EncodesAnEchoRequestWithItsChecksum) {
  // RFC 792 echo: type 8, code 0, checksum over the message, identifier 0x1234, sequence 1.
  EXPECT_EQ(icmp::encode_echo_request(false, 0x1234, 1, "hi"),
            bytes({8, 0, 0x7D, 0x61, 0x12, 0x34, 0, 1, 'h', 'i'}));
  EXPECT_EQ(icmp::internet_checksum(icmp::encode_echo_request(false, 0x1234, 1, "hi")), 0);
}

TEST(IcmpPacket, LeavesTheIcmpv6ChecksumToTheKernel) {
  EXPECT_EQ(icmp::encode_echo_request(true, 0x1234, 2, ""),
            bytes({128, 0, 0, 0, 0x12, 0x34, 0, 2}));
}

TEST(IcmpPacket, RecognisesOurReplyOnAPingSocket) {
  EchoExpectation e{false, false, false, 0x1234, 9, "tok"};
  // A ping socket's kernel rewrites the identifier; only sequence and payload must match.
  EXPECT_EQ(classify_icmp(bytes({0, 0, 0, 0, 0x55, 0x55, 0, 9, 't', 'o', 'k'}), e).verdict,
            IcmpVerdict::kEchoReply);
  EXPECT_EQ(classify_icmp(bytes({0, 0, 0, 0, 0x55, 0x55, 0, 8, 't', 'o', 'k'}), e).verdict,
            IcmpVerdict::kIgnore);
  EXPECT_EQ(classify_icmp(bytes({0, 0, 0, 0, 0x55, 0x55, 0, 9, 't', 'o', 'x'}), e).verdict,
            IcmpVerdict::kIgnore);
}

TEST(IcmpPacket, OnARawSocketSkipsTheIpHeaderAndMatchesTheIdentifier) {
  EchoExpectation e{false, true, true, 0x1234, 9, "tok"};
  EXPECT_EQ(classify_icmp(ipv4(bytes({0, 0, 0, 0, 0x12, 0x34, 0, 9, 't', 'o', 'k'})), e).verdict,
            IcmpVerdict::kEchoReply);
  EXPECT_EQ(classify_icmp(ipv4(bytes({0, 0, 0, 0, 0x12, 0x35, 0, 9, 't', 'o', 'k'})), e).verdict,
            IcmpVerdict::kIgnore);
  // Our own request, looped back to the raw socket on loopback.
  EXPECT_EQ(classify_icmp(ipv4(icmp::encode_echo_request(false, 0x1234, 9, "tok")), e).verdict,
            IcmpVerdict::kIgnore);
}

TEST(IcmpPacket, AnErrorQuotingOurRequestIsUnreachableOrTimeExceeded) {
  EchoExpectation e{false, true, true, 0x1234, 9, "tok"};
  const std::string quoted = ipv4(icmp::encode_echo_request(false, 0x1234, 9, "tok"));
  auto unreachable = classify_icmp(ipv4(bytes({3, 1, 0, 0, 0, 0, 0, 0}) + quoted), e);
  EXPECT_EQ(unreachable.verdict, IcmpVerdict::kUnreachable);
  EXPECT_EQ(unreachable.code, 1);
  EXPECT_EQ(classify_icmp(ipv4(bytes({11, 0, 0, 0, 0, 0, 0, 0}) + quoted), e).verdict,
            IcmpVerdict::kTimeExceeded);
  const std::string other = ipv4(icmp::encode_echo_request(false, 0x4321, 9, "tok"));
  EXPECT_EQ(classify_icmp(ipv4(bytes({3, 1, 0, 0, 0, 0, 0, 0}) + other), e).verdict,
            IcmpVerdict::kIgnore);
}

TEST(IcmpPacket, Icmpv6ErrorsQuoteAFortyOctetHeader) {
  EchoExpectation e{true, false, true, 0x1234, 9, ""};
  std::string v6_header(40, '\0');
  v6_header[0] = 0x60;
  const std::string quoted = v6_header + icmp::encode_echo_request(true, 0x1234, 9, "");
  EXPECT_EQ(classify_icmp(bytes({1, 4, 0, 0, 0, 0, 0, 0}) + quoted, e).verdict,
            IcmpVerdict::kUnreachable);
  EXPECT_EQ(classify_icmp(bytes({129, 0, 0, 0, 0x12, 0x34, 0, 9}), e).verdict,
            IcmpVerdict::kEchoReply);
}

TEST(IcmpPacket, EveryTruncationIsIgnored) {
  EchoExpectation e{false, true, true, 0x1234, 9, "tok"};
  const std::string quoted = ipv4(icmp::encode_echo_request(false, 0x1234, 9, "tok"));
  const std::string full = ipv4(bytes({3, 1, 0, 0, 0, 0, 0, 0}) + quoted.substr(0, 28));
  ASSERT_EQ(classify_icmp(full, e).verdict, IcmpVerdict::kUnreachable);
  for (size_t n = 0; n < full.size(); ++n)
    EXPECT_EQ(classify_icmp(full.substr(0, n), e).verdict, IcmpVerdict::kIgnore) << n;
}

class IcmpCheck : public testing::TypeTest {
 protected:
  // Whether this host lets us open an ICMP socket of `kind` for `family`.
  static bool can_open(int family, icmp::SocketKind kind) {
    const int protocol = family == AF_INET6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP};
    const int fd =
        ::socket(family, kind == icmp::SocketKind::kPing ? SOCK_DGRAM : SOCK_RAW, protocol);
    if (fd < 0) return false;
    ::close(fd);
    return true;
  }

  ProbeResult ping(const std::string& address, icmp::SocketKind kind) {
    auto checker = icmp::make_icmp_checker(*loop_, CheckTarget{address, 0, std::nullopt},
                                           "icmp " + address, 42, {kind});
    EXPECT_TRUE(checker);
    return checker ? probe(**checker) : ProbeResult::failure("no-checker");
  }

  IcmpCheckerFactory factory_{42};
};

TEST_F(IcmpCheck, TakesNoKeys) {
  EXPECT_TRUE(factory_.validate(config::Node{}).empty());
  EXPECT_EQ(only_error(factory_, map({{"count", scalar("3")}})),
            "checks.yaml:2:3: unknown key 'count' in icmp check; expected one of: ");
}

TEST_F(IcmpCheck, ChecksOfOneAddressShareAProbeWhateverThePort) {
  auto a = make(factory_, config::Node{}, "127.0.0.1", 80);
  auto b = make(factory_, config::Node{}, "127.0.0.1", 443);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->key(), b->key());
}

TEST_F(IcmpCheck, PingsLoopbackWithTheFactorysChoiceOfSocket) {
  if (!can_open(AF_INET, icmp::SocketKind::kPing) && !can_open(AF_INET, icmp::SocketKind::kRaw))
    GTEST_SKIP() << "neither ping sockets (ping_group_range) nor raw sockets are permitted";
  auto checker = make(factory_, config::Node{}, "127.0.0.1", 80);
  auto first = probe(*checker);
  EXPECT_TRUE(first.ok) << first.reason << " " << first.detail;
  auto second = probe(*checker);
  EXPECT_TRUE(second.ok) << second.reason << " " << second.detail;
  EXPECT_EQ(second.detail, "echo reply, sequence 2");
}

TEST_F(IcmpCheck, PingsOverPingSockets) {
  for (const char* address : {"127.0.0.1", "::1"}) {
    const int family = address[0] == ':' ? AF_INET6 : AF_INET;
    if (!can_open(family, icmp::SocketKind::kPing)) {
      std::cout << "ping sockets not permitted for " << address << " (ping_group_range)\n";
      continue;
    }
    auto result = ping(address, icmp::SocketKind::kPing);
    EXPECT_TRUE(result.ok) << address << ": " << result.reason << " " << result.detail;
  }
}

TEST_F(IcmpCheck, PingsOverRawSockets) {
  if (!can_open(AF_INET, icmp::SocketKind::kRaw)) GTEST_SKIP() << "raw sockets need CAP_NET_RAW";
  for (const char* address : {"127.0.0.1", "::1"}) {
    auto result = ping(address, icmp::SocketKind::kRaw);
    EXPECT_TRUE(result.ok) << address << ": " << result.reason << " " << result.detail;
  }
}

}  // namespace
}  // namespace hadirector::checkers
