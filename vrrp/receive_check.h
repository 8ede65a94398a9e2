// Receive-side validation of a VRRP advert for one instance (RFC 5798 §7.1, RFC 9568 §7.1,
// RFC 3768 §7.1): the payload plus the IP-layer facts the socket supplies go in; out comes an
// accepted Advert, "not for us" (another instance's VRID on a shared socket), or a DropReason.
// Pure: it neither counts nor logs; the glue does both from the result.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "vrrp/auth_hmac.h"
#include "vrrp/drop_reason.h"
#include "vrrp/ip_address.h"
#include "vrrp/packet.h"

namespace hadirector::vrrp {

// RFC 5798 §7.1 lets a receiver check the address list (MAY) and says to log a mismatch;
// RFC 3768 §7.1 then drops it unless the sender is the owner.
enum class AddressListPolicy : uint8_t {
  kAcceptAndCount,   // accept; Accepted::address_list_mismatch tells the glue to count/log
  kDrop,             // drop every mismatching advert (DropReason::kAddressList)
  kDropUnlessOwner,  // RFC 3768 reading: drop unless the advert's priority is 255
};

// What one instance expects; built by the glue from its configuration.
struct ReceiveParams {
  uint8_t version = 3;  // 2 or 3
  Family family = Family::kIpv4;
  uint8_t vrid = 0;
  uint8_t local_priority = 100;                                 // 255: we are the address owner
  std::chrono::milliseconds advert_interval{1000};              // ours, compared with the advert's
  std::vector<IpAddress> virtual_addresses;                     // ours, compared as a set
  ChecksumPolicy checksum = ChecksumPolicy::kPseudoHeaderOnly;  // VRRPv3 over IPv4 only
  AddressListPolicy address_list = AddressListPolicy::kAcceptAndCount;
  bool unicast = false;  // unicast mode: peers below, TTL rule below
  std::vector<IpAddress> unicast_peers;
  bool unicast_require_ttl_255 = true;                   // off for peers behind a router
  AuthType auth_type = AuthType::kNone;                  // v2 only
  std::array<uint8_t, kV2AuthDataSize> auth_password{};  // v2 simple text, zero padded
  AuthParams auth;  // HMAC trailer (vrrp/auth_hmac.h); off when it has no keys
};

// Facts from the IP header, which the socket layer reads (IP_RECVTTL / IPV6_HOPLIMIT, ...).
struct IpFacts {
  uint8_t ttl = 255;  // IPv4 TTL or IPv6 hop limit
  IpAddress source;
  IpAddress destination;
  int64_t now_unix_seconds = 0;  // wall clock at arrival: the freshness of an HMAC trailer
};

struct Accepted {
  Advert advert;
  ChecksumVariant checksum = ChecksumVariant::kPseudoHeader;  // which variant verified
  bool address_list_mismatch = false;  // count vrrpv3StatisticsAddressListErrors, log
  bool interval_mismatch = false;      // v3: differs from ours (RFC 9568 §7.1 SHOULD log)
  bool owner_conflict = false;         // v3: we own the addresses (RFC 9568 §7.1 SHOULD log)
  // The verified trailer's sequence: the glue's ReplayMarks decide whether it is fresh.
  std::optional<uint64_t> auth_sequence{};
};
struct NotForUs {
  uint8_t vrid = 0;
};
struct Dropped {
  DropReason reason;
};
using ReceiveResult = std::variant<Accepted, NotForUs, Dropped>;

ReceiveResult check_advert(std::span<const uint8_t> payload, const IpFacts& ip,
                           const ReceiveParams& params);

}  // namespace hadirector::vrrp
