// Receive-side validation (RFC 5798 §7.1, RFC 9568 §7.1, RFC 3768 §7.1): one test per check,
// every per-instance DropReason reached through check_advert (kVrId is the socket's,
// once no instance claims a VRID), and the counter names.
#include "vrrp/receive_check.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "vrrp/checksum.h"

namespace hadirector::vrrp {
namespace {

using std::chrono::milliseconds;
using Bytes = std::vector<uint8_t>;

const IpAddress kPeer = IpAddress::v4(192, 0, 2, 2);
const IpAddress kGroup = IpAddress::v4(224, 0, 0, 18);
const IpAddress kVip = IpAddress::v4(192, 0, 2, 100);
const IpAddress kPeer6 = IpAddress::v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
const IpAddress kGroup6 = IpAddress::v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12});
const IpAddress kVip6 =
    IpAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00});

ReceiveParams v3_params() {
  ReceiveParams p;
  p.version = 3;
  p.vrid = 51;
  p.local_priority = 100;
  p.advert_interval = milliseconds(1000);
  p.virtual_addresses = {kVip};
  return p;
}

ReceiveParams v2_params() {
  ReceiveParams p = v3_params();
  p.version = 2;
  p.auth_type = AuthType::kSimpleText;
  p.auth_password = {'s', 'e', 'c', 'r', 'e', 't', 0, 0};
  return p;
}

Advert advert_for(const ReceiveParams& p) {
  Advert a;
  a.version = p.version;
  a.vrid = p.vrid;
  a.priority = 150;
  a.family = p.family;
  a.max_adver_interval = p.advert_interval;
  a.addresses = p.virtual_addresses;
  a.auth_type = p.auth_type;
  a.auth_data = p.auth_password;
  return a;
}

IpFacts facts_for(const ReceiveParams& p) {
  if (p.family == Family::kIpv6) return IpFacts{255, kPeer6, kGroup6};
  return IpFacts{255, kPeer, kGroup};
}

Bytes encode(const Advert& a, const IpFacts& ip,
             ChecksumVariant variant = ChecksumVariant::kPseudoHeader) {
  auto bytes = encode_advert(a, ip.source, ip.destination, variant);
  EXPECT_TRUE(bytes.has_value()) << bytes.error().message();
  return bytes.value_or(Bytes{});
}

// Re-seals a hand-edited message with a valid checksum of the given kind.
void reseal(Bytes& bytes, const IpFacts& ip, bool pseudo) {
  bytes[6] = bytes[7] = 0;
  const uint16_t sum = internet_checksum(bytes, pseudo, ip.source, ip.destination);
  bytes[6] = static_cast<uint8_t>(sum >> 8);
  bytes[7] = static_cast<uint8_t>(sum);
}

std::optional<DropReason> drop_of(const ReceiveResult& r) {
  if (const auto* d = std::get_if<Dropped>(&r)) return d->reason;
  return std::nullopt;
}

ReceiveResult check(const Advert& a, const ReceiveParams& p) {
  const IpFacts ip = facts_for(p);
  return check_advert(encode(a, ip), ip, p);
}

// Encodes the advert `p` expects, lets `edit` damage it, re-seals the checksum so that only the
// damage is seen, and checks the result.
template <typename Edit>
std::optional<DropReason> drop_after_edit(const ReceiveParams& p, Edit edit) {
  const IpFacts ip = facts_for(p);
  Bytes bytes = encode(advert_for(p), ip);
  edit(bytes);
  reseal(bytes, ip, /*pseudo=*/p.version == 3);
  return drop_of(check_advert(bytes, ip, p));
}

TEST(ReceiveCheck, AcceptsAMatchingV3Advert) {
  const ReceiveParams p = v3_params();
  ReceiveResult r = check(advert_for(p), p);
  const auto* acc = std::get_if<Accepted>(&r);
  ASSERT_NE(acc, nullptr);
  EXPECT_EQ(acc->advert.priority, 150);
  EXPECT_EQ(acc->checksum, ChecksumVariant::kPseudoHeader);
  EXPECT_FALSE(acc->address_list_mismatch);
  EXPECT_FALSE(acc->interval_mismatch);
  EXPECT_FALSE(acc->owner_conflict);
}

TEST(ReceiveCheck, AcceptsAMatchingV3Ipv6Advert) {
  ReceiveParams p = v3_params();
  p.family = Family::kIpv6;
  p.virtual_addresses = {kVip6};
  EXPECT_TRUE(std::holds_alternative<Accepted>(check(advert_for(p), p)));
}

TEST(ReceiveCheck, AcceptsAMatchingV2AdvertWithPassword) {
  const ReceiveParams p = v2_params();
  ReceiveResult r = check(advert_for(p), p);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  EXPECT_EQ(std::get<Accepted>(r).checksum, ChecksumVariant::kMessageOnly);
}

TEST(ReceiveCheck, AcceptsPriorityZero) {
  const ReceiveParams p = v3_params();
  Advert a = advert_for(p);
  a.priority = 0;  // RFC 5798 §6.4.2: the master is resigning; must reach the state machine
  ReceiveResult r = check(a, p);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  EXPECT_EQ(std::get<Accepted>(r).advert.priority, 0);
}

TEST(ReceiveCheck, OtherVridIsNotForUsAndNotAnError) {
  const ReceiveParams p = v3_params();
  Advert a = advert_for(p);
  a.vrid = 52;
  ReceiveResult r = check(a, p);
  ASSERT_TRUE(std::holds_alternative<NotForUs>(r));
  EXPECT_EQ(std::get<NotForUs>(r).vrid, 52);
}

TEST(ReceiveCheck, DropsShorterThanHeaderAsPacketLengthError) {
  const ReceiveParams p = v3_params();
  EXPECT_EQ(drop_of(check_advert(Bytes{0x31, 51, 150}, facts_for(p), p)),
            DropReason::kPacketLength);
}

TEST(ReceiveCheck, DropsTtlOtherThan255) {
  const ReceiveParams p = v3_params();
  IpFacts ip = facts_for(p);
  const Bytes bytes = encode(advert_for(p), ip);
  ip.ttl = 254;  // RFC 5798 §5.1.1.3: GTSM
  EXPECT_EQ(drop_of(check_advert(bytes, ip, p)), DropReason::kIpTtl);
}

TEST(ReceiveCheck, DropsHopLimitOtherThan255) {
  ReceiveParams p = v3_params();
  p.family = Family::kIpv6;
  p.virtual_addresses = {kVip6};
  IpFacts ip = facts_for(p);
  const Bytes bytes = encode(advert_for(p), ip);
  ip.ttl = 1;  // RFC 5798 §5.1.2.3
  EXPECT_EQ(drop_of(check_advert(bytes, ip, p)), DropReason::kIpTtl);
}

TEST(ReceiveCheck, UnicastTtlCheckIsConfigurable) {
  ReceiveParams p = v3_params();
  p.unicast = true;
  p.unicast_peers = {kPeer};
  IpFacts ip = facts_for(p);
  const Bytes bytes = encode(advert_for(p), ip);
  ip.ttl = 62;  // two routers away
  EXPECT_EQ(drop_of(check_advert(bytes, ip, p)), DropReason::kIpTtl);
  p.unicast_require_ttl_255 = false;
  EXPECT_TRUE(std::holds_alternative<Accepted>(check_advert(bytes, ip, p)));
}

TEST(ReceiveCheck, DropsUnicastAdvertFromANonPeer) {
  ReceiveParams p = v3_params();
  p.unicast = true;
  p.unicast_peers = {IpAddress::v4(192, 0, 2, 3)};
  EXPECT_EQ(drop_of(check(advert_for(p), p)), DropReason::kNotAPeer);
  p.unicast_peers.push_back(kPeer);
  EXPECT_TRUE(std::holds_alternative<Accepted>(check(advert_for(p), p)));
}

TEST(ReceiveCheck, DropsOtherVersion) {
  ReceiveParams p = v2_params();
  Advert a = advert_for(p);
  a.version = 3;  // a v3 advert for our VRID while we speak v2
  EXPECT_EQ(drop_of(check(a, p)), DropReason::kVersion);
}

TEST(ReceiveCheck, DropsUnknownVersion) {
  EXPECT_EQ(drop_after_edit(v3_params(), [](Bytes& b) { b[0] = 0x11; }), DropReason::kVersion);
}

TEST(ReceiveCheck, DropsTypeOtherThanAdvertisement) {
  const ReceiveParams p = v3_params();
  Advert a = advert_for(p);
  a.type = 2;  // RFC 5798 §5.2.2: unknown types are discarded
  EXPECT_EQ(drop_of(check(a, p)), DropReason::kInvalidType);
}

TEST(ReceiveCheck, DropsZeroCount) {
  auto zero_count = [](Bytes& b) {
    b.resize(kHeaderSize);
    b[3] = 0;
  };
  EXPECT_EQ(drop_after_edit(v3_params(), zero_count), DropReason::kZeroAddressCount);
}

TEST(ReceiveCheck, DropsCountLargerThanThePacket) {
  EXPECT_EQ(drop_after_edit(v3_params(), [](Bytes& b) { b[3] = 2; }), DropReason::kTruncated);
}

TEST(ReceiveCheck, DropsTrailingBytesAsPacketLengthError) {
  const ReceiveParams p = v3_params();
  const IpFacts ip = facts_for(p);
  Bytes bytes = encode(advert_for(p), ip);
  bytes.insert(bytes.end(), {0, 0, 0, 0});
  EXPECT_EQ(drop_of(check_advert(bytes, ip, p)), DropReason::kPacketLength);
}

TEST(ReceiveCheck, DropsBadChecksum) {
  const ReceiveParams p = v3_params();
  const IpFacts ip = facts_for(p);
  Bytes bytes = encode(advert_for(p), ip);
  bytes[2] ^= 0x01;  // priority changed in flight
  EXPECT_EQ(drop_of(check_advert(bytes, ip, p)), DropReason::kChecksum);
}

TEST(ReceiveCheck, MessageOnlyChecksumNeedsThePolicy) {
  ReceiveParams p = v3_params();
  const IpFacts ip = facts_for(p);
  const Bytes bytes = encode(advert_for(p), ip, ChecksumVariant::kMessageOnly);
  EXPECT_EQ(drop_of(check_advert(bytes, ip, p)), DropReason::kChecksum);
  p.checksum = ChecksumPolicy::kAcceptEither;
  ReceiveResult r = check_advert(bytes, ip, p);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  EXPECT_EQ(std::get<Accepted>(r).checksum, ChecksumVariant::kMessageOnly);
}

TEST(ReceiveCheck, DropsZeroMaxAdverInterval) {
  // RFC 9568 §7.1 (erratum 8301)
  EXPECT_EQ(drop_after_edit(v3_params(), [](Bytes& b) { b[4] = b[5] = 0; }),
            DropReason::kZeroAdverInterval);
}

TEST(ReceiveCheck, V3IntervalMismatchIsAcceptedAndFlagged) {
  const ReceiveParams p = v3_params();
  Advert a = advert_for(p);
  a.max_adver_interval = milliseconds(2000);  // v3 learns it (RFC 5798 §6.4.2)
  ReceiveResult r = check(a, p);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  EXPECT_TRUE(std::get<Accepted>(r).interval_mismatch);
}

TEST(ReceiveCheck, V2IntervalMismatchIsDropped) {
  const ReceiveParams p = v2_params();
  Advert a = advert_for(p);
  a.max_adver_interval = milliseconds(2000);  // RFC 3768 §7.1: MUST discard
  EXPECT_EQ(drop_of(check(a, p)), DropReason::kAdvInterval);
}

TEST(ReceiveCheck, AddressListMismatchIsAcceptedAndCountedByDefault) {
  const ReceiveParams p = v3_params();
  Advert a = advert_for(p);
  a.addresses = {IpAddress::v4(192, 0, 2, 101)};
  ReceiveResult r = check(a, p);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  EXPECT_TRUE(std::get<Accepted>(r).address_list_mismatch);
}

TEST(ReceiveCheck, AddressListOrderDoesNotMatter) {
  ReceiveParams p = v3_params();
  const IpAddress second = IpAddress::v4(192, 0, 2, 101);
  p.virtual_addresses = {kVip, second};
  Advert a = advert_for(p);
  a.addresses = {second, kVip};
  ReceiveResult r = check(a, p);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  EXPECT_FALSE(std::get<Accepted>(r).address_list_mismatch);
}

TEST(ReceiveCheck, AddressListMismatchIsDroppedWhenConfigured) {
  ReceiveParams p = v3_params();
  p.address_list = AddressListPolicy::kDrop;
  Advert a = advert_for(p);
  a.addresses.push_back(IpAddress::v4(192, 0, 2, 101));
  EXPECT_EQ(drop_of(check(a, p)), DropReason::kAddressList);
}

TEST(ReceiveCheck, AddressListMismatchFromOwnerPassesUnderRfc3768Policy) {
  ReceiveParams p = v2_params();
  p.address_list = AddressListPolicy::kDropUnlessOwner;
  Advert a = advert_for(p);
  a.addresses = {IpAddress::v4(192, 0, 2, 101)};
  EXPECT_EQ(drop_of(check(a, p)), DropReason::kAddressList);
  a.priority = 255;
  EXPECT_TRUE(std::holds_alternative<Accepted>(check(a, p)));
}

TEST(ReceiveCheck, V2DropsUnknownAuthType) {
  // Type 2, IP Authentication Header, was dropped by RFC 3768; we do not support it.
  for (uint8_t type : {2, 7})
    EXPECT_EQ(drop_after_edit(v2_params(), [type](Bytes& b) { b[4] = type; }),
              DropReason::kInvalidAuthType)
        << int{type};
}

TEST(ReceiveCheck, V2DropsAuthTypeMismatch) {
  const ReceiveParams p = v2_params();
  Advert a = advert_for(p);
  a.auth_type = AuthType::kNone;
  EXPECT_EQ(drop_of(check(a, p)), DropReason::kAuthTypeMismatch);
}

TEST(ReceiveCheck, V2DropsWrongPassword) {
  const ReceiveParams p = v2_params();
  Advert a = advert_for(p);
  a.auth_data = {'s', 'e', 'c', 'r', 'e', 'T', 0, 0};
  EXPECT_EQ(drop_of(check(a, p)), DropReason::kAuthFailure);
}

TEST(ReceiveCheck, V2OwnerDropsAdvertsForItsVrid) {
  ReceiveParams p = v2_params();
  p.local_priority = 255;  // RFC 3768 §7.1
  EXPECT_EQ(drop_of(check(advert_for(p), p)), DropReason::kLocalIsOwner);
}

TEST(ReceiveCheck, V3OwnerAcceptsAndFlagsAdvertsForItsVrid) {
  ReceiveParams p = v3_params();
  p.local_priority = 255;  // RFC 9568 §7.1 (erratum 8298): SHOULD log, not drop
  ReceiveResult r = check(advert_for(p), p);
  ASSERT_TRUE(std::holds_alternative<Accepted>(r));
  EXPECT_TRUE(std::get<Accepted>(r).owner_conflict);
}

TEST(DropReason, NamesFollowTheMibs) {
  EXPECT_STREQ(drop_reason_name(DropReason::kChecksum), "vrrpv3RouterChecksumErrors");
  EXPECT_STREQ(drop_reason_name(DropReason::kVersion), "vrrpv3RouterVersionErrors");
  EXPECT_STREQ(drop_reason_name(DropReason::kVrId), "vrrpv3RouterVrIdErrors");
  EXPECT_STREQ(drop_reason_name(DropReason::kIpTtl), "vrrpv3StatisticsIpTtlErrors");
  EXPECT_STREQ(drop_reason_name(DropReason::kInvalidType),
               "vrrpv3StatisticsRcvdInvalidTypePackets");
  EXPECT_STREQ(drop_reason_name(DropReason::kPacketLength), "vrrpv3StatisticsPacketLengthErrors");
  EXPECT_STREQ(drop_reason_name(DropReason::kAddressList), "vrrpv3StatisticsAddressListErrors");
  EXPECT_STREQ(drop_reason_name(DropReason::kAdvInterval), "vrrpv3StatisticsAdvIntervalErrors");
  EXPECT_STREQ(drop_reason_name(DropReason::kAuthFailure), "vrrpStatsAuthFailures");
  EXPECT_STREQ(drop_reason_name(DropReason::kInvalidAuthType), "vrrpStatsInvalidAuthType");
  EXPECT_STREQ(drop_reason_name(DropReason::kNotAPeer), "notAPeer");
  EXPECT_STREQ(drop_reason_name(DropReason::kTruncated), "truncated");
}

TEST(DropReason, EveryReasonHasADistinctName) {
  std::set<std::string> names;
  for (int i = 0; i < kDropReasonCount; ++i) {
    const char* name = drop_reason_name(static_cast<DropReason>(i));
    EXPECT_STRNE(name, "unknown") << i;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kDropReasonCount));
}

}  // namespace
}  // namespace hadirector::vrrp
