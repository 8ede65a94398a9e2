#include "vrrp/io/garp_frames.h"

#include <algorithm>

#include "daemon/core/result.h"

namespace hadirector::vrrp {
namespace {

void put16(uint8_t* at, uint16_t value) {
  at[0] = static_cast<uint8_t>(value >> 8);
  at[1] = static_cast<uint8_t>(value);
}

}  // namespace

std::array<uint8_t, kArpFrameSize> build_gratuitous_arp(const MacAddress& source_mac,
                                                        const config::IpAddress& vip) {
  HD_CHECK(vip.is_v4());
  std::array<uint8_t, kArpFrameSize> f{};
  std::copy(kBroadcastMac.begin(), kBroadcastMac.end(), f.begin());  // Ethernet destination
  std::copy(source_mac.begin(), source_mac.end(), f.begin() + 6);    // Ethernet source
  put16(&f[12], kEtherTypeArp);
  uint8_t* arp = &f[14];
  put16(&arp[0], 1);       // hardware type: Ethernet
  put16(&arp[2], 0x0800);  // protocol type: IPv4
  arp[4] = 6;              // hardware address length
  arp[5] = 4;              // protocol address length
  put16(&arp[6], 1);       // operation: request (RFC 5227 §3 prefers requests)
  std::copy(source_mac.begin(), source_mac.end(), &arp[8]);  // sender hardware address
  std::copy_n(vip.bytes.begin(), 4, &arp[14]);               // sender protocol address
  // Target hardware address stays zero: ignored in an announcement (RFC 5227 §2.3).
  std::copy_n(vip.bytes.begin(), 4, &arp[24]);  // target protocol address = sender's
  return f;
}

std::array<uint8_t, kNaMessageSize> build_unsolicited_na(const MacAddress& target_mac,
                                                         const config::IpAddress& vip,
                                                         bool router) {
  HD_CHECK(vip.is_v6());
  std::array<uint8_t, kNaMessageSize> m{};
  m[0] = kIcmp6NeighbourAdvert;  // type; code and checksum (kernel) stay 0
  // RFC 4861 §4.4 flags: R (0x80) router, S (0x40) solicited, O (0x20) override.
  m[4] = static_cast<uint8_t>((router ? 0x80 : 0) | 0x20);
  std::copy_n(vip.bytes.begin(), 16, &m[8]);  // target address
  m[24] = 2;                                  // option: target link-layer address
  m[25] = 1;                                  // length in units of 8 octets
  std::copy(target_mac.begin(), target_mac.end(), &m[26]);
  return m;
}

}  // namespace hadirector::vrrp
