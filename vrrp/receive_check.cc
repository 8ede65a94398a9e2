#include "vrrp/receive_check.h"

#include <algorithm>
#include <optional>

#include "daemon/core/result.h"

namespace hadirector::vrrp {
namespace {

bool same_address_set(const std::vector<IpAddress>& a, const std::vector<IpAddress>& b) {
  if (a.size() != b.size()) return false;
  if (a == b) return true;  // the usual case, checked on every advert without copying
  std::vector<IpAddress> x = a, y = b;
  std::ranges::sort(x);
  std::ranges::sort(y);
  return x == y;
}

// RFC 3768 §7.1: auth type first, then the method itself.
std::optional<DropReason> check_v2_auth(const Advert& a, const ReceiveParams& p) {
  if (a.auth_type != AuthType::kNone && a.auth_type != AuthType::kSimpleText)
    return DropReason::kInvalidAuthType;
  if (a.auth_type != p.auth_type) return DropReason::kAuthTypeMismatch;
  if (a.auth_type == AuthType::kSimpleText && a.auth_data != p.auth_password)
    return DropReason::kAuthFailure;
  return std::nullopt;
}

// Checks after the packet is known to be intact and ours; fills the Accepted flags.
std::optional<DropReason> check_semantics(const ReceiveParams& p, Accepted& acc) {
  const Advert& a = acc.advert;
  if (a.version == 2) {
    if (auto auth = check_v2_auth(a, p)) return auth;
    // RFC 3768 §7.1: a VRRPv2 owner MUST discard adverts for its own VRID.
    if (p.local_priority == kPriorityOwner) return DropReason::kLocalIsOwner;
  } else {
    if (a.max_adver_interval.count() == 0) return DropReason::kZeroAdverInterval;
    acc.owner_conflict = p.local_priority == kPriorityOwner;
  }
  if (!same_address_set(a.addresses, p.virtual_addresses)) {
    acc.address_list_mismatch = true;
    if (p.address_list == AddressListPolicy::kDrop) return DropReason::kAddressList;
    if (p.address_list == AddressListPolicy::kDropUnlessOwner && a.priority != kPriorityOwner)
      return DropReason::kAddressList;
  }
  if (a.max_adver_interval != p.advert_interval) {
    // v2 routers cannot learn the master's interval: RFC 3768 §7.1 MUST discard. v3 learns it
    // (RFC 5798 §6.4.2) and only logs.
    if (a.version == 2) return DropReason::kAdvInterval;
    acc.interval_mismatch = true;
  }
  return std::nullopt;
}

// After the checksum, before the semantics: a forged advert is told apart from a merely odd one.
std::optional<DropReason> check_auth(const AuthSplit& split, const IpFacts& ip,
                                     const ReceiveParams& p, Accepted& acc) {
  if (!p.auth.enabled()) return std::nullopt;
  if (!split.trailer) {
    if (p.auth.mode == AuthMode::kPermissive) return std::nullopt;
    return DropReason::kAuthMissing;
  }
  auto sequence = verify_auth_trailer(split.message, *split.trailer, acc.advert.version,
                                      acc.advert.vrid, ip.source, p.auth, ip.now_unix_seconds);
  if (!sequence) return sequence.error();
  acc.auth_sequence = *sequence;
  return std::nullopt;
}

}  // namespace

ReceiveResult check_advert(std::span<const uint8_t> payload, const IpFacts& ip,
                           const ReceiveParams& p) {
  // The socket layer passes facts of its own family; anything else is a wiring bug.
  HD_CHECK(ip.source.family == p.family && ip.destination.family == p.family);
  // The VRID is looked at first: on a shared socket another instance's packet is neither an
  // error nor ours to count.
  const std::optional<uint8_t> vrid = peek_vrid(payload);
  if (!vrid) return Dropped{DropReason::kPacketLength};
  if (*vrid != p.vrid) return NotForUs{*vrid};
  // RFC 5798 §5.1.1.3 / §5.1.2.3 (GTSM, RFC 5082). Unicast peers may sit behind a router.
  if (ip.ttl != 255 && (!p.unicast || p.unicast_require_ttl_255))
    return Dropped{DropReason::kIpTtl};
  if (p.unicast && std::ranges::find(p.unicast_peers, ip.source) == p.unicast_peers.end())
    return Dropped{DropReason::kNotAPeer};
  const AuthSplit split = p.auth.enabled() ? split_auth_trailer(payload, p.family)
                                           : AuthSplit{.message = payload, .trailer = {}};
  auto decoded = decode_advert(split.message, p.family);
  if (!decoded) return Dropped{decoded.error()};
  if (decoded->version != p.version) return Dropped{DropReason::kVersion};
  // An IPv6 checksum covers the trailer too (vrrp/auth_hmac.h); an IPv4 one the message alone.
  const auto variant = verify_checksum(p.family == Family::kIpv6 ? payload : split.message,
                                       decoded->version, ip.source, ip.destination, p.checksum);
  if (!variant) return Dropped{DropReason::kChecksum};
  Accepted acc{.advert = std::move(*decoded), .checksum = *variant};
  if (auto reason = check_auth(split, ip, p, acc)) return Dropped{*reason};
  if (auto reason = check_semantics(p, acc)) return Dropped{*reason};
  return acc;
}

}  // namespace hadirector::vrrp
