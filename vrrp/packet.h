// The VRRP wire codec: VRRPv3 adverts (RFC 5798 §5, RFC 9568 §5) for IPv4 and IPv6 and VRRPv2
// adverts (RFC 3768 §5) for IPv4, encoded from and decoded into one Advert struct, plus the
// checksum variants. It parses the VRRP message only (the IP payload); the IP header facts come
// from the socket. No policy here (what a router accepts is vrrp/receive_check.h), no sockets.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <vector>

#include "daemon/core/result.h"
#include "vrrp/drop_reason.h"
#include "vrrp/ip_address.h"

namespace hadirector::vrrp {

inline constexpr uint8_t kTypeAdvertisement = 1;  // RFC 5798 §5.2.2: the only type
inline constexpr size_t kHeaderSize = 8;          // fixed fields before the address list
inline constexpr size_t kV2AuthDataSize = 8;      // RFC 3768 §5.3.10: two 32-bit words
inline constexpr uint8_t kPriorityOwner = 255;    // RFC 5798 §5.2.4: the address owner
inline constexpr uint8_t kPriorityStop = 0;       // RFC 5798 §5.2.4: master is leaving

// RFC 3768 §5.3.6. Type 2 (IP Authentication Header) was dropped by RFC 3768; type 1 is
// RFC 2338's simple text password, which keepalived and many routers still speak.
enum class AuthType : uint8_t { kNone = 0, kSimpleText = 1, kIpAh = 2 };

// What the VRRPv3 IPv4 checksum covers. RFC 5798 §5.2.8 prepends the IP pseudo-header (and
// keepalived, FRR and most routers do so for IPv4 too); RFC 9568 §5.2.8 computes the IPv4
// checksum over the VRRP message alone. IPv6 always uses the pseudo-header; VRRPv2 never does.
enum class ChecksumVariant : uint8_t { kPseudoHeader, kMessageOnly };

// Which IPv4 VRRPv3 checksum variants a receiver accepts.
enum class ChecksumPolicy : uint8_t { kPseudoHeaderOnly, kMessageOnlyOnly, kAcceptEither };

struct Advert {
  uint8_t version = 3;                // 4 bits: 3 (RFC 5798 §5.2.1) or 2 (RFC 3768 §5.3.1)
  uint8_t type = kTypeAdvertisement;  // 4 bits (RFC 5798 §5.2.2)
  uint8_t vrid = 0;                   // Virtual Rtr ID, 1..255 (RFC 5798 §5.2.3)
  uint8_t priority = 0;               // 255 owner, 1..254 backup, 0 stop (§5.2.4)
  uint8_t count = 0;                  // Count IPvX Addr as on the wire (§5.2.5); encode
                                      // writes addresses.size() instead
  // v3: 12-bit Max Adver Int in centiseconds (RFC 5798 §5.2.7); v2: 8-bit Adver Int in seconds
  // (RFC 3768 §5.3.7). Exposed in milliseconds either way.
  std::chrono::milliseconds max_adver_interval{1000};
  uint16_t checksum = 0;                 // as received; encode computes it (§5.2.8)
  Family family = Family::kIpv4;         // IP version of the packet and of every address
  std::vector<IpAddress> addresses;      // IPvX Address(es) (§5.2.9)
  AuthType auth_type = AuthType::kNone;  // v2 only (RFC 3768 §5.3.6)
  std::array<uint8_t, kV2AuthDataSize> auth_data{};  // v2 only: password, zero padded (§5.3.10)
};

// Serialises `advert`. `source`/`destination` are the IP addresses the packet will carry, for
// the pseudo-header; `ipv4_v3_checksum` picks the variant for VRRPv3 over IPv4 only. Fails
// (kInvalid) on values the wire cannot carry: interval out of range or not a whole number of
// wire units, no or too many addresses, mixed families, VRRPv2 over IPv6, unsupported auth.
core::Result<std::vector<uint8_t>> encode_advert(
    const Advert& advert, const IpAddress& source, const IpAddress& destination,
    ChecksumVariant ipv4_v3_checksum = ChecksumVariant::kPseudoHeader);

// Structural parse of a VRRP message received on a `family` socket. Checks only what the
// layout needs (header length, a known version, type 1, count and exact length); the checksum
// is stored, not verified. Never reads past `payload`, whatever its length fields say.
std::expected<Advert, DropReason> decode_advert(std::span<const uint8_t> payload, Family family);

// Verifies the checksum of a VRRP message of `version` sent from `source` to `destination`.
// Returns the variant that matched, or nullopt. `policy` matters only for VRRPv3 over IPv4;
// when both variants are acceptable the pseudo-header one is tried first.
std::optional<ChecksumVariant> verify_checksum(std::span<const uint8_t> payload, uint8_t version,
                                               const IpAddress& source,
                                               const IpAddress& destination, ChecksumPolicy policy);

// The VRID of a message without parsing the rest, so one socket can dispatch to the instance
// that owns it; nullopt when the message is too short to carry one.
std::optional<uint8_t> peek_vrid(std::span<const uint8_t> payload);

}  // namespace hadirector::vrrp
