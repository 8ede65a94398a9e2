// Codec tests: golden bytes computed by hand (the sums are spelled out), round trips, encode
// errors, checksum variants and every truncation of every golden packet.
#include "vrrp/packet.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace hadirector::vrrp {
namespace {

using std::chrono::milliseconds;
using Bytes = std::vector<uint8_t>;

const IpAddress kSrc4 = IpAddress::v4(192, 0, 2, 1);
const IpAddress kGroup4 = IpAddress::v4(224, 0, 0, 18);
const IpAddress kVip4 = IpAddress::v4(192, 0, 2, 100);
const IpAddress kSrc6 = IpAddress::v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
const IpAddress kGroup6 = IpAddress::v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12});
const IpAddress kLinkLocal6 = IpAddress::v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
const IpAddress kVip6 =
    IpAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00});

// VRRPv3, VRID 51, priority 150, one address 192.0.2.100, Max Adver Int 100 cs (1 s).
// 16-bit words of the message with a zero checksum: 3133 9601 0064 0000 c000 0264,
// sum 0x189fc, folded 0x89fd.
//   Without pseudo-header: ~0x89fd = 0x7602.
//   Pseudo-header 192.0.2.1 -> 224.0.0.18, proto 112, length 12: c000 0201 e000 0012 0070 000c,
//   sum 0x1a28f; total 0x32c8b, folded 0x2c8e, ~ = 0xd371.
const Bytes kV3Ipv4Pseudo = {0x31, 51, 150, 1, 0x00, 0x64, 0xd3, 0x71, 192, 0, 2, 100};
const Bytes kV3Ipv4MessageOnly = {0x31, 51, 150, 1, 0x00, 0x64, 0x76, 0x02, 192, 0, 2, 100};

// VRRPv3 over IPv6, VRID 51, priority 150, fe80::1 and 2001:db8::100, 1 s, sent from fe80::2 to
// ff02::12. Message words: 3133 9602 0064 0000 fe80 0001 2001 0db8 0100; pseudo-header words:
// fe80 0002 ff02 0012 0000 0028 0000 0070. Checksum (computed the same way) 0x0cfb.
const Bytes kV3Ipv6 = {0x31, 51,   150,  2,    0x00, 0x64, 0x0c, 0xfb,                          //
                       0xfe, 0x80, 0,    0,    0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 1,  //
                       0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 1, 0};

// VRRPv2, VRID 51, priority 150, 192.0.2.100, auth type 1, Adver Int 1 s, password "secret".
// Words: 2133 9601 0101 0000 c000 0264 7365 6372 6574 0000, checksum over the message only
// = 0x4919.
const Bytes kV2Password = {0x21, 51,  150, 1,   1,   1,   0x49, 0x19, 192, 0,
                           2,    100, 's', 'e', 'c', 'r', 'e',  't',  0,   0};

Advert v3_ipv4_advert() {
  Advert a;
  a.version = 3;
  a.vrid = 51;
  a.priority = 150;
  a.max_adver_interval = milliseconds(1000);
  a.addresses = {kVip4};
  return a;
}

Advert v3_ipv6_advert() {
  Advert a = v3_ipv4_advert();
  a.family = Family::kIpv6;
  a.addresses = {kLinkLocal6, kVip6};
  return a;
}

Advert v2_password_advert() {
  Advert a = v3_ipv4_advert();
  a.version = 2;
  a.auth_type = AuthType::kSimpleText;
  a.auth_data = {'s', 'e', 'c', 'r', 'e', 't', 0, 0};
  return a;
}

TEST(Packet, EncodesV3Ipv4WithPseudoHeaderChecksum) {
  auto bytes = encode_advert(v3_ipv4_advert(), kSrc4, kGroup4);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().message();
  EXPECT_EQ(*bytes, kV3Ipv4Pseudo);
}

TEST(Packet, EncodesV3Ipv4WithMessageOnlyChecksum) {
  auto bytes = encode_advert(v3_ipv4_advert(), kSrc4, kGroup4, ChecksumVariant::kMessageOnly);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, kV3Ipv4MessageOnly);
}

TEST(Packet, EncodesV3Ipv6AlwaysWithPseudoHeader) {
  // The IPv4 variant switch does not apply to IPv6 (RFC 5798 §5.2.8).
  for (auto variant : {ChecksumVariant::kPseudoHeader, ChecksumVariant::kMessageOnly}) {
    auto bytes = encode_advert(v3_ipv6_advert(), kSrc6, kGroup6, variant);
    ASSERT_TRUE(bytes.has_value()) << bytes.error().message();
    EXPECT_EQ(*bytes, kV3Ipv6);
  }
}

TEST(Packet, EncodesV2WithPasswordAndMessageOnlyChecksum) {
  auto bytes = encode_advert(v2_password_advert(), kSrc4, kGroup4);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().message();
  EXPECT_EQ(*bytes, kV2Password);
}

TEST(Packet, V2WithoutAuthSendsZeroAuthData) {
  Advert a = v2_password_advert();
  a.auth_type = AuthType::kNone;  // auth_data still holds the password: it must not leak
  auto bytes = encode_advert(a, kSrc4, kGroup4);
  ASSERT_TRUE(bytes.has_value());
  ASSERT_EQ(bytes->size(), 20u);
  EXPECT_EQ((*bytes)[4], 0);
  EXPECT_EQ(Bytes(bytes->begin() + 12, bytes->end()), Bytes(8, 0));
}

TEST(Packet, DecodesV3Ipv4Golden) {
  auto a = decode_advert(kV3Ipv4Pseudo, Family::kIpv4);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->version, 3);
  EXPECT_EQ(a->type, kTypeAdvertisement);
  EXPECT_EQ(a->vrid, 51);
  EXPECT_EQ(a->priority, 150);
  EXPECT_EQ(a->count, 1);
  EXPECT_EQ(a->max_adver_interval, milliseconds(1000));
  EXPECT_EQ(a->checksum, 0xd371);
  EXPECT_EQ(a->family, Family::kIpv4);
  EXPECT_EQ(a->addresses, std::vector<IpAddress>{kVip4});
}

TEST(Packet, DecodesV3Ipv6Golden) {
  auto a = decode_advert(kV3Ipv6, Family::kIpv6);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->count, 2);
  EXPECT_EQ(a->checksum, 0x0cfb);
  EXPECT_EQ(a->addresses, (std::vector<IpAddress>{kLinkLocal6, kVip6}));
}

TEST(Packet, DecodesV2GoldenWithPasswordAndSecondsInterval) {
  auto a = decode_advert(kV2Password, Family::kIpv4);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->version, 2);
  EXPECT_EQ(a->auth_type, AuthType::kSimpleText);
  EXPECT_EQ(a->max_adver_interval, milliseconds(1000));
  EXPECT_EQ(a->auth_data, (std::array<uint8_t, 8>{'s', 'e', 'c', 'r', 'e', 't', 0, 0}));
}

TEST(Packet, V3IntervalIsCentiseconds) {
  Advert a = v3_ipv4_advert();
  a.max_adver_interval = milliseconds(40950);  // the 12-bit maximum, 4095 cs
  auto bytes = encode_advert(a, kSrc4, kGroup4);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ((*bytes)[4], 0x0f);
  EXPECT_EQ((*bytes)[5], 0xff);
  EXPECT_EQ(decode_advert(*bytes, Family::kIpv4)->max_adver_interval, milliseconds(40950));
}

TEST(Packet, V3ReservedBitsAreIgnoredOnReceipt) {
  Bytes bytes = kV3Ipv4Pseudo;
  bytes[4] |= 0xf0;  // RFC 5798 §5.2.6
  auto a = decode_advert(bytes, Family::kIpv4);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->max_adver_interval, milliseconds(1000));
}

TEST(Packet, RoundTripsManyAddresses) {
  for (Family family : {Family::kIpv4, Family::kIpv6}) {
    Advert a = family == Family::kIpv4 ? v3_ipv4_advert() : v3_ipv6_advert();
    a.addresses.clear();
    for (int i = 0; i < 255; ++i) {
      IpAddress addr = family == Family::kIpv4 ? kVip4 : kVip6;
      addr.bytes[3] = static_cast<uint8_t>(i);
      a.addresses.push_back(addr);
    }
    a.priority = 0;
    a.max_adver_interval = milliseconds(10);
    const IpAddress& src = family == Family::kIpv4 ? kSrc4 : kSrc6;
    const IpAddress& dst = family == Family::kIpv4 ? kGroup4 : kGroup6;
    auto bytes = encode_advert(a, src, dst);
    ASSERT_TRUE(bytes.has_value());
    auto back = decode_advert(*bytes, family);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->addresses, a.addresses);
    EXPECT_EQ(back->count, 255);
    EXPECT_EQ(back->priority, 0);
    EXPECT_EQ(back->max_adver_interval, milliseconds(10));
    EXPECT_EQ(verify_checksum(*bytes, 3, src, dst, ChecksumPolicy::kPseudoHeaderOnly),
              ChecksumVariant::kPseudoHeader);
  }
}

TEST(Packet, RejectsUnencodableAdverts) {
  struct Case {
    const char* what;
    void (*mutate)(Advert&);
  };
  const Case cases[] = {
      {"version 4", [](Advert& a) { a.version = 4; }},
      {"vrid 0", [](Advert& a) { a.vrid = 0; }},
      {"no address", [](Advert& a) { a.addresses.clear(); }},
      {"256 addresses", [](Advert& a) { a.addresses.assign(256, kVip4); }},
      {"IPv6 address in IPv4 packet", [](Advert& a) { a.addresses = {kVip6}; }},
      {"interval not in 10ms steps", [](Advert& a) { a.max_adver_interval = milliseconds(15); }},
      {"interval 0", [](Advert& a) { a.max_adver_interval = milliseconds(0); }},
      {"interval over 40.95s", [](Advert& a) { a.max_adver_interval = milliseconds(40960); }},
      {"v2 fractional seconds",
       [](Advert& a) {
         a.version = 2;
         a.max_adver_interval = milliseconds(1500);
       }},
      {"v2 over 255s",
       [](Advert& a) {
         a.version = 2;
         a.max_adver_interval = milliseconds(256000);
       }},
      {"v2 IP AH auth",
       [](Advert& a) {
         a.version = 2;
         a.auth_type = AuthType::kIpAh;
       }},
  };
  for (const Case& c : cases) {
    Advert a = v3_ipv4_advert();
    c.mutate(a);
    auto bytes = encode_advert(a, kSrc4, kGroup4);
    ASSERT_FALSE(bytes.has_value()) << c.what;
    EXPECT_EQ(bytes.error().code(), core::Errc::kInvalid) << c.what;
  }
}

TEST(Packet, RejectsV2OverIpv6) {
  Advert a = v3_ipv6_advert();
  a.version = 2;
  EXPECT_FALSE(encode_advert(a, kSrc6, kGroup6).has_value());
  Bytes bytes = kV3Ipv6;
  bytes[0] = 0x21;
  EXPECT_EQ(decode_advert(bytes, Family::kIpv6).error(), DropReason::kVersion);
}

TEST(Packet, DecodeReportsUnknownVersionAndType) {
  Bytes bytes = kV3Ipv4Pseudo;
  bytes[0] = 0x41;
  EXPECT_EQ(decode_advert(bytes, Family::kIpv4).error(), DropReason::kVersion);
  bytes[0] = 0x32;
  EXPECT_EQ(decode_advert(bytes, Family::kIpv4).error(), DropReason::kInvalidType);
}

TEST(Packet, DecodeIgnoresZeroCount) {
  Bytes bytes(kV3Ipv4Pseudo.begin(), kV3Ipv4Pseudo.begin() + 8);
  bytes[3] = 0;  // RFC 9568 §5.2.5 (erratum 8299)
  EXPECT_EQ(decode_advert(bytes, Family::kIpv4).error(), DropReason::kZeroAddressCount);
}

TEST(Packet, DecodeNeverTrustsCount) {
  Bytes bytes = kV3Ipv4Pseudo;
  bytes[3] = 255;  // claims 255 addresses, carries one
  EXPECT_EQ(decode_advert(bytes, Family::kIpv4).error(), DropReason::kTruncated);
  bytes[3] = 1;
  bytes.push_back(0);  // one byte more than one address needs
  EXPECT_EQ(decode_advert(bytes, Family::kIpv4).error(), DropReason::kPacketLength);
}

TEST(Packet, EveryTruncationOfEveryGoldenIsRejected) {
  struct Golden {
    const Bytes* bytes;
    Family family;
  };
  for (Golden g : {Golden{&kV3Ipv4Pseudo, Family::kIpv4}, Golden{&kV3Ipv6, Family::kIpv6},
                   Golden{&kV2Password, Family::kIpv4}}) {
    for (size_t len = 0; len < g.bytes->size(); ++len) {
      // A heap copy of exactly `len` bytes, so that ASan catches any read past the end.
      Bytes cut(g.bytes->begin(), g.bytes->begin() + static_cast<std::ptrdiff_t>(len));
      auto a = decode_advert(cut, g.family);
      ASSERT_FALSE(a.has_value()) << "length " << len;
      EXPECT_EQ(a.error(), len < kHeaderSize ? DropReason::kPacketLength : DropReason::kTruncated)
          << "length " << len;
    }
  }
}

TEST(Packet, PeekVridNeedsAWholeHeader) {
  EXPECT_EQ(peek_vrid(kV3Ipv4Pseudo), 51);
  EXPECT_EQ(peek_vrid(Bytes(kV3Ipv4Pseudo.begin(), kV3Ipv4Pseudo.begin() + 7)), std::nullopt);
}

TEST(Checksum, PseudoHeaderPolicyAcceptsOnlyPseudoHeaderVariant) {
  EXPECT_EQ(verify_checksum(kV3Ipv4Pseudo, 3, kSrc4, kGroup4, ChecksumPolicy::kPseudoHeaderOnly),
            ChecksumVariant::kPseudoHeader);
  EXPECT_EQ(
      verify_checksum(kV3Ipv4MessageOnly, 3, kSrc4, kGroup4, ChecksumPolicy::kPseudoHeaderOnly),
      std::nullopt);
}

TEST(Checksum, MessageOnlyPolicyAcceptsOnlyMessageOnlyVariant) {
  EXPECT_EQ(
      verify_checksum(kV3Ipv4MessageOnly, 3, kSrc4, kGroup4, ChecksumPolicy::kMessageOnlyOnly),
      ChecksumVariant::kMessageOnly);
  EXPECT_EQ(verify_checksum(kV3Ipv4Pseudo, 3, kSrc4, kGroup4, ChecksumPolicy::kMessageOnlyOnly),
            std::nullopt);
}

TEST(Checksum, AcceptEitherReportsWhichVariantMatched) {
  EXPECT_EQ(verify_checksum(kV3Ipv4Pseudo, 3, kSrc4, kGroup4, ChecksumPolicy::kAcceptEither),
            ChecksumVariant::kPseudoHeader);
  EXPECT_EQ(verify_checksum(kV3Ipv4MessageOnly, 3, kSrc4, kGroup4, ChecksumPolicy::kAcceptEither),
            ChecksumVariant::kMessageOnly);
  Bytes corrupt = kV3Ipv4Pseudo;
  corrupt[2] ^= 1;
  EXPECT_EQ(verify_checksum(corrupt, 3, kSrc4, kGroup4, ChecksumPolicy::kAcceptEither),
            std::nullopt);
}

TEST(Checksum, PseudoHeaderBindsSourceAndDestination) {
  const IpAddress other = IpAddress::v4(192, 0, 2, 2);
  EXPECT_EQ(verify_checksum(kV3Ipv4Pseudo, 3, other, kGroup4, ChecksumPolicy::kAcceptEither),
            std::nullopt);
  EXPECT_EQ(verify_checksum(kV3Ipv6, 3, kLinkLocal6, kGroup6, ChecksumPolicy::kAcceptEither),
            std::nullopt);
}

TEST(Checksum, Ipv6IgnoresMessageOnlyPolicy) {
  EXPECT_EQ(verify_checksum(kV3Ipv6, 3, kSrc6, kGroup6, ChecksumPolicy::kMessageOnlyOnly),
            ChecksumVariant::kPseudoHeader);
}

TEST(Checksum, V2CoversTheMessageOnly) {
  EXPECT_EQ(verify_checksum(kV2Password, 2, kSrc4, kGroup4, ChecksumPolicy::kPseudoHeaderOnly),
            ChecksumVariant::kMessageOnly);
  Bytes corrupt = kV2Password;
  corrupt.back() ^= 0x20;  // the checksum covers the auth data too
  EXPECT_EQ(verify_checksum(corrupt, 2, kSrc4, kGroup4, ChecksumPolicy::kAcceptEither),
            std::nullopt);
}

}  // namespace
}  // namespace hadirector::vrrp
