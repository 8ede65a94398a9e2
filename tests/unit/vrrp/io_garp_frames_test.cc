// Gratuitous ARP frame and unsolicited NA message layouts, byte by byte (RFC 826, RFC 5227
// §2.3, RFC 4861 §4.4), and the VRRP virtual router MACs (RFC 5798 §7.3).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "vrrp/io/garp_frames.h"
#include "vrrp/io/mac_address.h"

namespace hadirector::vrrp {
namespace {

config::IpAddress addr(const char* text) { return *config::IpAddress::from_string(text); }

TEST(GarpFrames, GratuitousArpIsBroadcastRequestWithSenderEqualTarget) {
  MacAddress mac = virtual_router_mac(false, 51);
  auto f = build_gratuitous_arp(mac, addr("192.0.2.100"));
  const std::array<uint8_t, kArpFrameSize> expected = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // Ethernet destination: broadcast
      0x00, 0x00, 0x5e, 0x00, 0x01, 51,    // Ethernet source: 00:00:5e:00:01:33
      0x08, 0x06,                          // EtherType ARP
      0x00, 0x01, 0x08, 0x00, 6,    4,     // Ethernet, IPv4, lengths 6 and 4
      0x00, 0x01,                          // request
      0x00, 0x00, 0x5e, 0x00, 0x01, 51,    // sender MAC
      192,  0,    2,    100,               // sender IP = VIP
      0,    0,    0,    0,    0,    0,     // target MAC: zero (ignored)
      192,  0,    2,    100};              // target IP = VIP
  EXPECT_EQ(f, expected);
}

TEST(GarpFrames, UnsolicitedNaCarriesOverrideTargetAndLinkLayerOption) {
  MacAddress mac = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  auto m = build_unsolicited_na(mac, addr("2001:db8::100"), false);
  const std::array<uint8_t, kNaMessageSize> expected = {
      136,  0,    0,    0,     // type NA, code 0, checksum left to the kernel
      0x20, 0,    0,    0,     // flags: Override only (not solicited, not a router)
      0x20, 0x01, 0x0d, 0xb8,  // target 2001:db8::100
      0,    0,    0,    0,    0,    0,   0,
      0,    0,    0,    0x01, 0x00, 2,   1,  // option: target link-layer address, 8 octets
      0x02, 0x11, 0x22, 0x33, 0x44, 0x55};   // the MAC
  EXPECT_EQ(m, expected);
}

TEST(GarpFrames, UnsolicitedNaSetsRouterFlagWhenAsked) {
  auto m = build_unsolicited_na({}, addr("2001:db8::1"), true);
  EXPECT_EQ(m[4], 0xa0);
}

TEST(MacAddress, VirtualRouterMacsFollowRfc5798) {
  EXPECT_EQ(format_mac(virtual_router_mac(false, 1)), "00:00:5e:00:01:01");
  EXPECT_EQ(format_mac(virtual_router_mac(true, 255)), "00:00:5e:00:02:ff");
}

TEST(MacAddress, ParsesWhatItFormats) {
  MacAddress mac = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
  EXPECT_EQ(parse_mac(format_mac(mac)), mac);
  EXPECT_EQ(parse_mac("DE:AD:BE:EF:00:01"), mac);
}

TEST(MacAddress, RejectsMalformedText) {
  EXPECT_FALSE(parse_mac("de:ad:be:ef:00"));
  EXPECT_FALSE(parse_mac("de-ad-be-ef-00-01"));
  EXPECT_FALSE(parse_mac("de:ad:be:ef:00:0g"));
}

}  // namespace
}  // namespace hadirector::vrrp
