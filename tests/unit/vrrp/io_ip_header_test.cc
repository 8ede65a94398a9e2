// parse_ipv4_header: the bounds of a raw socket's IPv4 header (IHL, Total Length) and the
// facts taken from it. Every truncation of a valid datagram is rejected, never read past.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "vrrp/io/ip_header.h"

namespace hadirector::vrrp {
namespace {

using Bytes = std::vector<uint8_t>;

// 20-byte header, TTL 255, protocol 112, 192.0.2.1 -> 224.0.0.18, 12 bytes of payload.
Bytes datagram(uint8_t ihl_words = 5, size_t payload = 12) {
  size_t header = ihl_words * 4u;
  Bytes d(header + payload, 0);
  d[0] = static_cast<uint8_t>(0x40 | ihl_words);
  d[2] = static_cast<uint8_t>((header + payload) >> 8);
  d[3] = static_cast<uint8_t>(header + payload);
  d[8] = 255;
  d[9] = 112;
  d[12] = 192, d[13] = 0, d[14] = 2, d[15] = 1;
  d[16] = 224, d[17] = 0, d[18] = 0, d[19] = 18;
  for (size_t i = 0; i < payload; ++i) d[header + i] = static_cast<uint8_t>(0xa0 + i);
  return d;
}

TEST(Ipv4Header, ParsesFactsAndPayloadOfPlainHeader) {
  Bytes d = datagram();
  auto h = parse_ipv4_header(d);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->header_length, 20u);
  EXPECT_EQ(h->ttl, 255);
  EXPECT_EQ(h->protocol, 112);
  EXPECT_EQ(h->source, IpAddress::v4(192, 0, 2, 1));
  EXPECT_EQ(h->destination, IpAddress::v4(224, 0, 0, 18));
  ASSERT_EQ(h->payload.size(), 12u);
  EXPECT_EQ(h->payload[0], 0xa0);
}

TEST(Ipv4Header, SkipsOptionsAsIhlSays) {
  Bytes d = datagram(6);  // one option word (e.g. router alert)
  auto h = parse_ipv4_header(d);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->header_length, 24u);
  EXPECT_EQ(h->payload.data(), d.data() + 24);
  EXPECT_EQ(h->payload[0], 0xa0);
}

TEST(Ipv4Header, RejectsIhlBelowFiveWords) {
  Bytes d = datagram();
  d[0] = 0x44;
  EXPECT_FALSE(parse_ipv4_header(d));
}

TEST(Ipv4Header, RejectsIhlBeyondTheBytesReceived) {
  Bytes d = datagram(5, 0);
  d[0] = 0x4f;  // 60-byte header claimed, 20 received
  d[3] = 20;
  EXPECT_FALSE(parse_ipv4_header(d));
}

TEST(Ipv4Header, RejectsVersionOtherThanFour) {
  Bytes d = datagram();
  d[0] = 0x65;
  EXPECT_FALSE(parse_ipv4_header(d));
}

TEST(Ipv4Header, RejectsTotalLengthBeyondTheBytesReceived) {
  Bytes d = datagram();
  d[3] = static_cast<uint8_t>(d.size() + 1);
  EXPECT_FALSE(parse_ipv4_header(d));
}

TEST(Ipv4Header, RejectsTotalLengthShorterThanTheHeader) {
  Bytes d = datagram();
  d[3] = 19;
  EXPECT_FALSE(parse_ipv4_header(d));
}

TEST(Ipv4Header, CutsPayloadToTotalLengthWhenPaddingFollows) {
  Bytes d = datagram();
  d.push_back(0xee);  // trailing bytes past Total Length (e.g. Ethernet padding)
  auto h = parse_ipv4_header(d);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->payload.size(), 12u);
}

TEST(Ipv4Header, RejectsEveryTruncation) {
  Bytes d = datagram();
  for (size_t n = 0; n < d.size(); ++n) {
    EXPECT_FALSE(parse_ipv4_header({d.data(), n})) << "length " << n;
  }
}

}  // namespace
}  // namespace hadirector::vrrp
