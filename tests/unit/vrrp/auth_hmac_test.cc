// Authenticated adverts (draft-cassen-vrrp-auth-hmac): the draft appendix's wire images built
// byte for byte (their tags also recomputed with Python's hmac module), every auth drop reason
// through check_advert, key rotation, the sender's sequence and the replay marks at their edges.
#include "vrrp/auth_hmac.h"

#include <gtest/gtest.h>

#include <string>

#include "vrrp/checksum.h"
#include "vrrp/packet.h"
#include "vrrp/receive_check.h"

namespace hadirector::vrrp {
namespace {

using std::chrono::seconds;
using Bytes = std::vector<uint8_t>;

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// The appendix key: bytes 00..1f.
AuthKey appendix_key(uint8_t id = 1) {
  AuthKey key{.id = id, .secret = {}};
  for (uint8_t b = 0; b < 32; ++b) key.secret.push_back(b);
  return key;
}
constexpr uint64_t kAppendixSequence = 0x6800000080000000;
constexpr int64_t kAppendixSeconds = 0x68000000;

const IpAddress kSource4 = IpAddress::v4(198, 51, 100, 10);
const IpAddress kPeer4 = IpAddress::v4(192, 0, 2, 10);
const IpAddress kVip4 = IpAddress::v4(192, 0, 2, 100);
const IpAddress kSource6 = IpAddress::v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10});
const IpAddress kDest6 = IpAddress::v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20});
const IpAddress kVip6 = IpAddress::v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0});

// Draft appendix images (VRID 51, priority 200, 1 s, one address).
const std::string kVector4 =
    "3133c80100644402c0000264"
    "010100006800000080000000"
    "1b84bc4e8e43892dc6d98448f8ee2265";
const std::string kVector6 =
    "3133c8010064a2e9"
    "fe800000000000000000000000000100"
    "010100006800000080000000"
    "c8c56146ebfd66ee10ec4d8186461b78";

Advert appendix_advert(Family family) {
  Advert a;
  a.version = 3;
  a.vrid = 51;
  a.priority = 200;
  a.family = family;
  a.max_adver_interval = std::chrono::milliseconds(1000);
  a.addresses = {family == Family::kIpv4 ? kVip4 : kVip6};
  return a;
}

Bytes signed_advert(const Advert& a, const IpAddress& src, const IpAddress& dst, const AuthKey& key,
                    uint64_t sequence, ChecksumVariant variant = ChecksumVariant::kMessageOnly) {
  auto bytes = encode_advert(a, src, dst, variant);
  EXPECT_TRUE(bytes.has_value());
  Bytes out = bytes.value_or(Bytes{});
  append_auth_trailer(out, key, sequence, src, dst);
  return out;
}

TEST(AuthHmac, BuildsTheDraftAppendixIpv4ImageByteForByte) {
  Bytes got = signed_advert(appendix_advert(Family::kIpv4), kSource4, kPeer4, appendix_key(),
                            kAppendixSequence);
  EXPECT_EQ(got, from_hex(kVector4));
}

TEST(AuthHmac, BuildsTheDraftAppendixIpv6ImageWithTheChecksumOverTheTrailer) {
  Bytes got = signed_advert(appendix_advert(Family::kIpv6), kSource6, kDest6, appendix_key(),
                            kAppendixSequence);
  EXPECT_EQ(got, from_hex(kVector6));
}

TEST(AuthHmac, TrailerCodecRoundTrips) {
  AuthTrailer t{.ext_type = 1, .key_id = 7, .reserved = 0, .sequence = 0x0102030405060708};
  t.tag[0] = 0xaa;
  t.tag[15] = 0x55;
  const auto bytes = encode_trailer(t);
  EXPECT_EQ(Bytes(bytes.begin(), bytes.begin() + 12), from_hex("010700000102030405060708"));
  const AuthTrailer back = decode_trailer(bytes);
  EXPECT_EQ(back.key_id, 7);
  EXPECT_EQ(back.sequence, t.sequence);
  EXPECT_EQ(back.tag, t.tag);
}

TEST(AuthHmac, ClockSequencePutsSecondsHighAndABinaryFractionNext) {
  EXPECT_EQ(clock_sequence(kAppendixSeconds, 500'000'000), kAppendixSequence);
  EXPECT_EQ(clock_sequence(1, 0), uint64_t{1} << 32);
}

// --- receive side, through check_advert --------------------------------------------------

ReceiveParams auth_params(Family family) {
  ReceiveParams p;
  p.version = 3;
  p.family = family;
  p.vrid = 51;
  p.advert_interval = std::chrono::milliseconds(1000);
  p.virtual_addresses = {family == Family::kIpv4 ? kVip4 : kVip6};
  p.checksum = ChecksumPolicy::kAcceptEither;
  p.unicast = true;
  p.unicast_peers = {family == Family::kIpv4 ? kSource4 : kSource6};
  p.unicast_require_ttl_255 = false;
  p.auth.keys = {appendix_key()};
  p.auth.send_key = 1;
  p.auth.window = seconds(5);
  return p;
}

IpFacts facts(Family family, int64_t now = kAppendixSeconds) {
  if (family == Family::kIpv6) return IpFacts{64, kSource6, kDest6, now};
  return IpFacts{64, kSource4, kPeer4, now};
}

std::optional<DropReason> drop_of(const ReceiveResult& r) {
  if (const auto* d = std::get_if<Dropped>(&r)) return d->reason;
  return std::nullopt;
}

TEST(AuthHmac, AcceptsBothAppendixImagesAndReportsTheSequence) {
  for (Family family : {Family::kIpv4, Family::kIpv6}) {
    const Bytes image = from_hex(family == Family::kIpv4 ? kVector4 : kVector6);
    ReceiveResult r = check_advert(image, facts(family), auth_params(family));
    const auto* acc = std::get_if<Accepted>(&r);
    ASSERT_NE(acc, nullptr) << drop_reason_name(drop_of(r).value_or(DropReason::kVrId));
    EXPECT_EQ(acc->advert.priority, 200);
    EXPECT_EQ(acc->auth_sequence, kAppendixSequence);
  }
}

TEST(AuthHmac, EnforcedAuthenticationDropsAnAdvertWithoutTrailer) {
  auto bytes = encode_advert(appendix_advert(Family::kIpv4), kSource4, kPeer4,
                             ChecksumVariant::kMessageOnly);
  ASSERT_TRUE(bytes);
  ReceiveParams p = auth_params(Family::kIpv4);
  EXPECT_EQ(drop_of(check_advert(*bytes, facts(Family::kIpv4), p)), DropReason::kAuthMissing);
  p.auth.mode = AuthMode::kPermissive;
  EXPECT_TRUE(std::holds_alternative<Accepted>(check_advert(*bytes, facts(Family::kIpv4), p)));
}

TEST(AuthHmac, PermissiveModeStillDropsABadTrailer) {
  Bytes image = from_hex(kVector4);
  image.back() ^= 1;
  ReceiveParams p = auth_params(Family::kIpv4);
  p.auth.mode = AuthMode::kPermissive;
  EXPECT_EQ(drop_of(check_advert(image, facts(Family::kIpv4), p)), DropReason::kAuthBadHmac);
}

// Re-seals an edited IPv6 image's checksum (over the whole payload), so the auth layer is
// what judges the edit.
void reseal6(Bytes& image) {
  image[6] = image[7] = 0;
  const uint16_t sum = internet_checksum(image, true, kSource6, kDest6);
  image[6] = static_cast<uint8_t>(sum >> 8);
  image[7] = static_cast<uint8_t>(sum);
}

std::optional<DropReason> drop6(const Bytes& image, const ReceiveParams& p,
                                int64_t now = kAppendixSeconds) {
  return drop_of(check_advert(image, facts(Family::kIpv6, now), p));
}

// One flipped bit per field of the IPv6 image: what each change is dropped as.
TEST(AuthHmac, EachAlteredFieldIsDroppedForItsReason) {
  struct Case {
    size_t offset;
    DropReason expected;
  };
  const Case cases[] = {
      {2, DropReason::kAuthBadHmac},         // priority
      {5, DropReason::kAuthBadHmac},         // advert interval
      {23, DropReason::kAuthBadHmac},        // the address
      {24 + 0, DropReason::kAuthMalformed},  // ext type
      {24 + 1, DropReason::kAuthUnknownKey}, {24 + 2, DropReason::kAuthMalformed},  // reserved
      {24 + 7, DropReason::kAuthBadHmac},   // seconds, still inside the window
      {24 + 11, DropReason::kAuthBadHmac},  // counter
      {24 + 12, DropReason::kAuthBadHmac},  // tag
  };
  for (const Case& c : cases) {
    Bytes image = from_hex(kVector6);
    image[c.offset] ^= 1;
    reseal6(image);
    EXPECT_EQ(drop6(image, auth_params(Family::kIpv6)), c.expected) << "offset " << c.offset;
  }
}

TEST(AuthHmac, TheChecksumIsNotBoundButStillChecked) {
  Bytes image = from_hex(kVector6);
  image[7] ^= 1;
  EXPECT_EQ(drop6(image, auth_params(Family::kIpv6)), DropReason::kChecksum);
}

TEST(AuthHmac, TheTagBindsTheSourceAddress) {
  const Bytes image = from_hex(kVector4);
  ReceiveParams p = auth_params(Family::kIpv4);
  IpFacts ip = facts(Family::kIpv4);
  ip.source = IpAddress::v4(198, 51, 100, 11);
  p.unicast_peers.push_back(ip.source);
  EXPECT_EQ(drop_of(check_advert(image, ip, p)), DropReason::kAuthBadHmac);
}

TEST(AuthHmac, TheTagBindsTheVrid) {
  Bytes image = from_hex(kVector6);
  image[1] = 52;
  reseal6(image);
  ReceiveParams p = auth_params(Family::kIpv6);
  p.vrid = 52;
  EXPECT_EQ(drop6(image, p), DropReason::kAuthBadHmac);
}

TEST(AuthHmac, TimeModeDropsATimestampJustOutsideTheWindowEitherWay) {
  const Bytes image = from_hex(kVector6);
  const ReceiveParams p = auth_params(Family::kIpv6);
  EXPECT_EQ(drop6(image, p, kAppendixSeconds + 5), std::nullopt);
  EXPECT_EQ(drop6(image, p, kAppendixSeconds - 5), std::nullopt);
  EXPECT_EQ(drop6(image, p, kAppendixSeconds + 6), DropReason::kAuthStale);
  EXPECT_EQ(drop6(image, p, kAppendixSeconds - 6), DropReason::kAuthStale);
}

TEST(AuthHmac, MonotonicModeIgnoresTheClock) {
  ReceiveParams p = auth_params(Family::kIpv6);
  p.auth.replay = ReplayMode::kMonotonic;
  EXPECT_EQ(drop6(from_hex(kVector6), p, kAppendixSeconds + 100000), std::nullopt);
}

TEST(AuthHmac, AnUnknownKeyIdIsDroppedAndAnyConfiguredKeyVerifies) {
  // Signed with key 2, a receiver holding only key 1 does not know it; one holding 1 and 2
  // (the middle of a rotation) accepts it.
  AuthKey second = appendix_key(2);
  second.secret[0] = 0xff;
  const Bytes image =
      signed_advert(appendix_advert(Family::kIpv4), kSource4, kPeer4, second, kAppendixSequence);
  ReceiveParams p = auth_params(Family::kIpv4);
  EXPECT_EQ(drop_of(check_advert(image, facts(Family::kIpv4), p)), DropReason::kAuthUnknownKey);
  p.auth.keys.push_back(second);
  EXPECT_TRUE(std::holds_alternative<Accepted>(check_advert(image, facts(Family::kIpv4), p)));
  // Same id, other secret: the tag does not verify.
  p.auth.keys = {appendix_key(2)};
  EXPECT_EQ(drop_of(check_advert(image, facts(Family::kIpv4), p)), DropReason::kAuthBadHmac);
}

TEST(AuthHmac, AVrrpv2AdvertCarriesTheTrailerAfterItsAuthData) {
  Advert a = appendix_advert(Family::kIpv4);
  a.version = 2;
  const Bytes image = signed_advert(a, kSource4, kPeer4, appendix_key(), kAppendixSequence);
  ASSERT_EQ(image.size(), 8u + 4 + 8 + kAuthTrailerSize);
  ReceiveParams p = auth_params(Family::kIpv4);
  p.version = 2;
  ReceiveResult r = check_advert(image, facts(Family::kIpv4), p);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r)) << drop_reason_name(*drop_of(r));
}

TEST(AuthHmac, AnAdvertWithATrailerIsTooLongForAnInstanceWithoutAuthentication) {
  ReceiveParams p = auth_params(Family::kIpv4);
  p.auth = AuthParams{};
  EXPECT_EQ(drop_of(check_advert(from_hex(kVector4), facts(Family::kIpv4), p)),
            DropReason::kPacketLength);
}

// --- sender's sequence and receiver's marks ------------------------------------------------

TEST(AuthSequencer, FollowsTheClockAndGrowsByOneWhenTheClockStands) {
  AuthSequencer s;
  EXPECT_EQ(s.next(1000, ReplayMode::kTime, seconds(5)), 1000u);
  EXPECT_EQ(s.next(1000, ReplayMode::kTime, seconds(5)), 1001u);
  EXPECT_EQ(s.next(900, ReplayMode::kTime, seconds(5)), 1002u);
  EXPECT_EQ(s.next(5000, ReplayMode::kTime, seconds(5)), 5000u);
}

TEST(AuthSequencer, TimeModeRestartsFromTheClockOnlyOnceStrandedPastTheWindow) {
  const uint64_t now = clock_sequence(1'000'000, 0);
  AuthSequencer t;
  t.next(clock_sequence(1'000'005, 0), ReplayMode::kTime, seconds(5));
  EXPECT_EQ(t.next(now, ReplayMode::kTime, seconds(5)), clock_sequence(1'000'005, 0) + 1);
  AuthSequencer u;
  u.next(clock_sequence(1'000'006, 0), ReplayMode::kTime, seconds(5));
  EXPECT_EQ(u.next(now, ReplayMode::kTime, seconds(5)), now);
  AuthSequencer m;
  m.next(clock_sequence(1'003'600, 0), ReplayMode::kMonotonic, seconds(5));
  EXPECT_EQ(m.next(now, ReplayMode::kMonotonic, seconds(5)), clock_sequence(1'003'600, 0) + 1);
}

TEST(AuthSequencer, SerialArithmeticSurvivesTheFieldWrap) {
  EXPECT_TRUE(sequence_after(0, ~uint64_t{0}));
  EXPECT_FALSE(sequence_after(~uint64_t{0}, 0));
  AuthSequencer s;
  for (uint64_t quarter = 1; quarter <= 3; ++quarter)
    EXPECT_EQ(s.next(quarter << 62, ReplayMode::kMonotonic, seconds(5)), quarter << 62);
  EXPECT_EQ(s.next(~uint64_t{0}, ReplayMode::kMonotonic, seconds(5)), ~uint64_t{0});
  EXPECT_EQ(s.next(~uint64_t{0}, ReplayMode::kMonotonic, seconds(5)), 0u);
}

TEST(ReplayMarks, AcceptsOnlyAGrowingSequencePerSender) {
  ReplayMarks marks;
  const int64_t now = 1'000'000;
  const uint64_t seq = clock_sequence(now, 0);
  EXPECT_TRUE(marks.accept(kSource4, seq, ReplayMode::kTime, seconds(5), now));
  EXPECT_FALSE(marks.accept(kSource4, seq, ReplayMode::kTime, seconds(5), now));
  EXPECT_FALSE(marks.accept(kSource4, seq - 1, ReplayMode::kTime, seconds(5), now));
  EXPECT_TRUE(marks.accept(kSource4, seq + 1, ReplayMode::kTime, seconds(5), now));
  // Another sender has its own mark.
  EXPECT_TRUE(marks.accept(kPeer4, seq, ReplayMode::kTime, seconds(5), now));
}

TEST(ReplayMarks, TimeModeForgetsAMarkOutsideTheWindow) {
  ReplayMarks marks;
  const int64_t now = 1'000'000;
  const uint64_t ahead = clock_sequence(now + 3600, 0);  // a sender whose clock ran an hour fast
  const uint64_t fixed = clock_sequence(now, 0);
  EXPECT_TRUE(marks.accept(kSource4, ahead, ReplayMode::kMonotonic, seconds(5), now));
  EXPECT_FALSE(marks.accept(kSource4, fixed, ReplayMode::kMonotonic, seconds(5), now));
  EXPECT_TRUE(marks.accept(kSource4, fixed, ReplayMode::kTime, seconds(5), now));
  EXPECT_FALSE(marks.accept(kSource4, fixed, ReplayMode::kTime, seconds(5), now));
}

TEST(ReplayMarks, RemembersABoundedNumberOfSenders) {
  ReplayMarks marks;
  const int64_t now = 1'000'000;
  const uint64_t seq = clock_sequence(now, 0);
  for (uint8_t i = 0; i <= ReplayMarks::kMaxSenders; ++i)
    EXPECT_TRUE(marks.accept(IpAddress::v4(10, 0, 0, i), seq, ReplayMode::kTime, seconds(5), now));
  // The least recently heard (10.0.0.0) was forgotten; the most recent is still known.
  EXPECT_TRUE(marks.accept(IpAddress::v4(10, 0, 0, 0), seq, ReplayMode::kTime, seconds(5), now));
  EXPECT_FALSE(marks.accept(IpAddress::v4(10, 0, 0, ReplayMarks::kMaxSenders), seq,
                            ReplayMode::kTime, seconds(5), now));
}

}  // namespace
}  // namespace hadirector::vrrp
