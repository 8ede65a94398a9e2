#include "daemon/config/values.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace hadirector::config {
namespace {

using namespace std::chrono_literals;

std::string duration_error(std::string_view text) {
  auto parsed = parse_duration(text);
  return parsed ? "ok" : parsed.error().context();
}

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(parse_duration("7ns"), 7ns);
  EXPECT_EQ(parse_duration("7us"), 7us);
  EXPECT_EQ(parse_duration("10ms"), 10ms);
  EXPECT_EQ(parse_duration("1s"), 1s);
  EXPECT_EQ(parse_duration("2m"), 2min);
  EXPECT_EQ(parse_duration("1h"), 1h);
}

TEST(ParseDuration, AcceptsFractionsExactly) {
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("0.01s"), 10ms);
  EXPECT_EQ(parse_duration(".5m"), 30s);
  EXPECT_EQ(parse_duration("40.95s"), 40950ms);
}

TEST(ParseDuration, AddsCompoundComponents) {
  EXPECT_EQ(parse_duration("1m30s"), 90s);
  EXPECT_EQ(parse_duration("1h2m3s4ms"), 1h + 2min + 3s + 4ms);
}

TEST(ParseDuration, AcceptsZero) { EXPECT_EQ(parse_duration("0s"), 0s); }

TEST(ParseDuration, RejectsBareNumberAskingForUnits) {
  EXPECT_EQ(duration_error("5"),
            "duration '5' needs a unit: ns, us, ms, s, m or h (e.g. 10ms, 1s)");
  EXPECT_EQ(duration_error("1.5"),
            "duration '1.5' needs a unit: ns, us, ms, s, m or h (e.g. 10ms, 1s)");
}

TEST(ParseDuration, RejectsUnknownUnit) {
  EXPECT_EQ(duration_error("5sec"),
            "invalid duration '5sec': unknown unit 'sec' (use ns, us, ms, s, m or h)");
  EXPECT_EQ(duration_error("1 s"),
            "invalid duration '1 s': unknown unit ' s' (use ns, us, ms, s, m or h)");
}

TEST(ParseDuration, RejectsEmptyNegativeAndUnitOnly) {
  EXPECT_EQ(duration_error(""), "empty duration: expected e.g. 10ms, 1s, 2m");
  EXPECT_EQ(duration_error("-1s"), "duration '-1s' must not be negative");
  EXPECT_EQ(duration_error("s"),
            "invalid duration 's': expected a number with a unit such as 10ms, 1s, 2m");
}

TEST(ParseDuration, RejectsOverflow) {
  EXPECT_EQ(duration_error("99999999999999999999h"),
            "duration '99999999999999999999h' is too large");
  EXPECT_EQ(duration_error("9999999999h"), "duration '9999999999h' is too large");
}

TEST(FormatDuration, UsesLargestExactUnit) {
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(10ms), "10ms");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(120s), "2m");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(2h), "2h");
  EXPECT_EQ(format_duration(3ns), "3ns");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (std::chrono::nanoseconds d : std::initializer_list<std::chrono::nanoseconds>{
           0ns, 1ns, 999us, 10ms, 1500ms, 40950ms, 61min, 25h})
    EXPECT_EQ(parse_duration(format_duration(d)), d) << format_duration(d);
}

TEST(IpAddress, ParsesAndFormatsIpv4) {
  auto a = IpAddress::from_string("192.0.2.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family, AF_INET);
  EXPECT_EQ(a->bytes[0], 192);
  EXPECT_EQ(a->bytes[3], 1);
  EXPECT_EQ(a->bytes[4], 0);
  EXPECT_EQ(a->to_string(), "192.0.2.1");
}

TEST(IpAddress, ParsesAndCanonicalizesIpv6) {
  auto a = IpAddress::from_string("2001:DB8:0:0::1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family, AF_INET6);
  EXPECT_EQ(a->to_string(), "2001:db8::1");
}

TEST(IpAddress, RejectsGarbageBracketsAndScope) {
  for (const char* bad : {"", "192.0.2", "192.0.2.256", "[2001:db8::1]", "fe80::1%eth0", "lb1"})
    EXPECT_FALSE(IpAddress::from_string(bad)) << bad;
  EXPECT_EQ(IpAddress::from_string("x").error().context(), "invalid IP address 'x'");
}

TEST(IpAddress, KnowsMulticastAndMasks) {
  EXPECT_TRUE(IpAddress::from_string("224.0.0.81")->is_multicast());
  EXPECT_TRUE(IpAddress::from_string("ff02::12")->is_multicast());
  EXPECT_FALSE(IpAddress::from_string("192.0.2.1")->is_multicast());
  EXPECT_EQ(IpAddress::from_string("255.255.255.0")->mask_prefix_len(), 24);
  EXPECT_EQ(IpAddress::from_string("255.0.255.0")->mask_prefix_len(), -1);
  EXPECT_EQ(IpAddress::from_string("ffff:ffff::")->mask_prefix_len(), 32);
}

TEST(IpPrefix, DefaultsToHostPrefixPerFamily) {
  EXPECT_EQ(IpPrefix::from_string("192.0.2.100")->len, 32);
  EXPECT_EQ(IpPrefix::from_string("2001:db8::100")->len, 128);
  EXPECT_EQ(IpPrefix::from_string("2001:db8::100")->to_string(), "2001:db8::100/128");
}

TEST(IpPrefix, KeepsHostBitsAndLength) {
  auto p = IpPrefix::from_string("192.0.2.100/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->len, 24);
  EXPECT_EQ(p->to_string(), "192.0.2.100/24");
}

TEST(IpPrefix, RejectsBadLengths) {
  for (const char* bad :
       {"192.0.2.1/33", "192.0.2.1/", "192.0.2.1/-1", "192.0.2.1/2x", "2001:db8::1/129", "nope/24"})
    EXPECT_FALSE(IpPrefix::from_string(bad)) << bad;
  EXPECT_EQ(IpPrefix::from_string("192.0.2.1/33").error().context(),
            "invalid prefix length in '192.0.2.1/33': expected 0..32");
}

TEST(Endpoint, ParsesIpv4AndBracketedIpv6) {
  auto v4 = Endpoint::from_string("192.0.2.100:80");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->port, 80);
  EXPECT_EQ(v4->to_string(), "192.0.2.100:80");
  auto v6 = Endpoint::from_string("[2001:db8::1]:443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->addr.family, AF_INET6);
  EXPECT_EQ(v6->to_string(), "[2001:db8::1]:443");
}

TEST(Endpoint, RequiresPortUnlessOptional) {
  EXPECT_EQ(Endpoint::from_string("192.0.2.1").error().context(),
            "endpoint '192.0.2.1' needs a port (ADDRESS:PORT)");
  EXPECT_EQ(Endpoint::from_string("2001:db8::1").error().context(),
            "invalid endpoint '2001:db8::1': write IPv6 endpoints as [ADDRESS]:PORT");
  EXPECT_EQ(Endpoint::from_string("192.0.2.1", true)->to_string(), "192.0.2.1");
  EXPECT_EQ(Endpoint::from_string("2001:db8::1", true)->to_string(), "[2001:db8::1]");
  EXPECT_EQ(Endpoint::from_string("[2001:db8::1]", true)->port, 0);
}

TEST(Endpoint, RejectsBadPorts) {
  for (const char* bad : {"192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:", "192.0.2.1:8o",
                          "[2001:db8::1]80", "[2001:db8::1:80"})
    EXPECT_FALSE(Endpoint::from_string(bad)) << bad;
  EXPECT_EQ(Endpoint::from_string("192.0.2.1:0").error().context(),
            "invalid port in endpoint '192.0.2.1:0': expected 1..65535");
}

}  // namespace
}  // namespace hadirector::config
