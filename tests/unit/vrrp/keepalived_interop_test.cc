// Interop proof: adverts captured from keepalived 2.2.7 (tests/data/vrrp/capture/ says how)
// must pass our receive check unchanged, and ours must match keepalived's bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "vrrp/packet.h"
#include "vrrp/receive_check.h"
#include "tests/common/test_paths.h"

namespace hadirector::vrrp {
namespace {

using std::chrono::milliseconds;
using Bytes = std::vector<uint8_t>;

// Addresses of the capture: keepalived on 192.0.2.1 / fe80::ff:fe00:1 (MAC 02:00:00:00:00:01).
const IpAddress kKaSource4 = IpAddress::v4(192, 0, 2, 1);
const IpAddress kGroup4 = IpAddress::v4(224, 0, 0, 18);
const IpAddress kKaSource6 =
    IpAddress::v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 1});
const IpAddress kGroup6 = IpAddress::v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12});
const IpAddress kVip6 = IpAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0});

Bytes fixture(const std::string& name) {
  std::ifstream in(std::string(HD_TEST_DATA_DIR) + "/vrrp/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return Bytes((std::istreambuf_iterator<char>(in)), {});
}

ReceiveParams v3_ipv4_params() {
  ReceiveParams p;
  p.version = 3;
  p.vrid = 51;
  p.advert_interval = milliseconds(1000);
  p.virtual_addresses = {IpAddress::v4(192, 0, 2, 100)};
  return p;
}

ReceiveParams v2_params() {
  ReceiveParams p;
  p.version = 2;
  p.vrid = 52;
  p.advert_interval = milliseconds(1000);
  p.virtual_addresses = {IpAddress::v4(192, 0, 2, 101), IpAddress::v4(192, 0, 2, 102)};
  p.auth_type = AuthType::kSimpleText;
  p.auth_password = {'s', 'e', 'c', 'r', 'e', 't', 0, 0};
  return p;
}

ReceiveParams v3_ipv6_params() {
  ReceiveParams p;
  p.version = 3;
  p.family = Family::kIpv6;
  p.vrid = 53;
  p.advert_interval = milliseconds(500);
  p.virtual_addresses = {kVip6};
  return p;
}

const Accepted* accepted(const ReceiveResult& r) { return std::get_if<Accepted>(&r); }

TEST(KeepalivedInterop, AcceptsV3Ipv4Advert) {
  const Bytes bytes = fixture("keepalived-2.2.7_v3_ipv4_vrid51_prio150.bin");
  ReceiveResult r = check_advert(bytes, IpFacts{255, kKaSource4, kGroup4}, v3_ipv4_params());
  const Accepted* acc = accepted(r);
  ASSERT_NE(acc, nullptr);
  EXPECT_EQ(acc->advert.priority, 150);
  EXPECT_EQ(acc->advert.max_adver_interval, milliseconds(1000));
  EXPECT_EQ(acc->checksum, ChecksumVariant::kPseudoHeader);  // keepalived follows RFC 5798
  EXPECT_FALSE(acc->address_list_mismatch);
}

TEST(KeepalivedInterop, OurV3Ipv4AdvertIsByteIdenticalToKeepalived) {
  Advert a;
  a.vrid = 51;
  a.priority = 150;
  a.addresses = {IpAddress::v4(192, 0, 2, 100)};
  auto ours = encode_advert(a, kKaSource4, kGroup4);
  ASSERT_TRUE(ours.has_value());
  EXPECT_EQ(*ours, fixture("keepalived-2.2.7_v3_ipv4_vrid51_prio150.bin"));
}

TEST(KeepalivedInterop, AcceptsV3Ipv4PriorityZeroOnShutdown) {
  const Bytes bytes = fixture("keepalived-2.2.7_v3_ipv4_vrid51_prio0.bin");
  ReceiveResult r = check_advert(bytes, IpFacts{255, kKaSource4, kGroup4}, v3_ipv4_params());
  const Accepted* acc = accepted(r);
  ASSERT_NE(acc, nullptr);
  EXPECT_EQ(acc->advert.priority, 0);
}

TEST(KeepalivedInterop, AcceptsV2AdvertWithPassword) {
  for (const char* name : {"keepalived-2.2.7_v2_pass_vrid52_prio100.bin",
                           "keepalived-2.2.7_v2_pass_vrid52_prio0.bin"}) {
    const Bytes bytes = fixture(name);
    ReceiveResult r = check_advert(bytes, IpFacts{255, kKaSource4, kGroup4}, v2_params());
    const Accepted* acc = accepted(r);
    ASSERT_NE(acc, nullptr) << name;
    EXPECT_EQ(acc->advert.version, 2);
    EXPECT_EQ(acc->advert.count, 2);
    EXPECT_EQ(acc->advert.auth_type, AuthType::kSimpleText);
  }
}

TEST(KeepalivedInterop, V2AdvertWithWrongPasswordIsRejected) {
  ReceiveParams p = v2_params();
  p.auth_password = {'o', 't', 'h', 'e', 'r', 0, 0, 0};
  const Bytes bytes = fixture("keepalived-2.2.7_v2_pass_vrid52_prio100.bin");
  ReceiveResult r = check_advert(bytes, IpFacts{255, kKaSource4, kGroup4}, p);
  ASSERT_TRUE(std::holds_alternative<Dropped>(r));
  EXPECT_EQ(std::get<Dropped>(r).reason, DropReason::kAuthFailure);
}

TEST(KeepalivedInterop, AcceptsV3Ipv6AdvertsWithCentisecondInterval) {
  for (const char* name : {"keepalived-2.2.7_v3_ipv6_vrid53_prio200.bin",
                           "keepalived-2.2.7_v3_ipv6_vrid53_prio0.bin"}) {
    const Bytes bytes = fixture(name);
    ReceiveResult r = check_advert(bytes, IpFacts{255, kKaSource6, kGroup6}, v3_ipv6_params());
    const Accepted* acc = accepted(r);
    ASSERT_NE(acc, nullptr) << name;
    // keepalived sends only the VIP, not the link-local address first (RFC 9568 §5.2.9).
    EXPECT_EQ(acc->advert.addresses, std::vector<IpAddress>{kVip6});
    EXPECT_EQ(acc->advert.max_adver_interval, milliseconds(500));
  }
}

}  // namespace
}  // namespace hadirector::vrrp
