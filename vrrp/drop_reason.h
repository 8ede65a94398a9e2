// Why a received VRRP packet was not handed to the state machine. Each reason is one counter;
// drop_reason_name() gives the counter's name, taken from the VRRPv3 MIB (RFC 6527) where it has
// one, else from the VRRP MIB (RFC 2787), else our own camelCase name in the same style.
// Pure data: counting and rate-limited logging are the socket glue's business.
#pragma once

#include <cstdint>

namespace hadirector::vrrp {

enum class DropReason : uint8_t {
  kPacketLength,       // shorter than the 8-byte header, or longer than its count implies
  kTruncated,          // header present, address list (or v2 auth data) cut short
  kZeroAddressCount,   // "Count IPvX Addr" is 0: RFC 9568 §5.2.5 (erratum 8299) says ignore
  kIpTtl,              // TTL / hop limit is not 255 (RFC 5798 §5.1.1.3, §5.1.2.3, §7.1)
  kVersion,            // not the configured VRRP version (RFC 5798 §7.1, RFC 3768 §7.1)
  kInvalidType,        // type is not 1, ADVERTISEMENT (RFC 5798 §5.2.2)
  kChecksum,           // checksum does not verify (RFC 5798 §5.2.8, §7.1)
  kVrId,               // no instance on this socket has the VRID (socket level, RFC 5798 §7.1)
  kAddressList,        // address list differs from ours and the policy says drop (§7.1 MAY)
  kAdvInterval,        // v2: Adver Int differs from ours (RFC 3768 §7.1 MUST discard)
  kZeroAdverInterval,  // v3: Max Adver Int is 0 (RFC 9568 §7.1, erratum 8301)
  kInvalidAuthType,    // v2: auth type we do not know or support (RFC 2787)
  kAuthTypeMismatch,   // v2: auth type differs from the configured one (RFC 2787)
  kAuthFailure,        // v2: simple text password differs (RFC 2787)
  kNotAPeer,           // unicast: source is not in the configured peer list
  kLocalIsOwner,       // v2: we own the addresses (priority 255); RFC 3768 §7.1 MUST discard
  // Authenticated adverts (draft-cassen-vrrp-auth-hmac, vrrp/auth_hmac.h):
  kAuthMissing,     // authentication is enforced and the advert carries no trailer
  kAuthMalformed,   // trailer of an unknown scheme or with non-zero reserved bits
  kAuthStale,       // time mode: the trailer's timestamp is outside the freshness window
  kAuthUnknownKey,  // the trailer names a key id we do not hold
  kAuthBadHmac,     // the HMAC does not verify (wrong key, altered or forged advert)
  kAuthReplay,      // the sequence does not grow past the sender's last accepted one
};

inline constexpr int kDropReasonCount = static_cast<int>(DropReason::kAuthReplay) + 1;

// Counter name, e.g. "vrrpv3StatisticsIpTtlErrors". Never null.
const char* drop_reason_name(DropReason reason);

}  // namespace hadirector::vrrp
