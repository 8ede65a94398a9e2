// Pure builders of the announcements a new VRRP master sends for its VIPs (RFC 5798 §6.4.1,
// §6.4.2): a gratuitous ARP request as a whole Ethernet frame (RFC 5227 §2.3 announcement:
// sender = target = VIP, broadcast) and an unsolicited ICMPv6 Neighbour Advertisement message
// (RFC 4861 §4.4, §7.2.6) whose checksum the kernel fills in. No sockets here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "daemon/config/values.h"
#include "vrrp/io/mac_address.h"

namespace hadirector::vrrp {

inline constexpr size_t kArpFrameSize = 42;   // 14 Ethernet + 28 ARP
inline constexpr size_t kNaMessageSize = 32;  // 24 NA + 8 target link-layer address option
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint8_t kIcmp6NeighbourAdvert = 136;

// `vip` must be IPv4.
std::array<uint8_t, kArpFrameSize> build_gratuitous_arp(const MacAddress& source_mac,
                                                        const config::IpAddress& vip);

// `vip` must be IPv6. Override flag set, Solicited clear; Router flag as given.
std::array<uint8_t, kNaMessageSize> build_unsolicited_na(const MacAddress& target_mac,
                                                         const config::IpAddress& vip, bool router);

}  // namespace hadirector::vrrp
