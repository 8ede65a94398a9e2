#include "vrrp/packet.h"

#include <algorithm>
#include <string>

#include "vrrp/checksum.h"

namespace hadirector::vrrp {
namespace {

using std::chrono::milliseconds;

// Byte offsets of the fixed fields (RFC 5798 §5.1, RFC 3768 §5.1).
constexpr size_t kOffVersionType = 0;  // Version (high nibble) | Type (low nibble)
constexpr size_t kOffVrid = 1;
constexpr size_t kOffPriority = 2;
constexpr size_t kOffCount = 3;
constexpr size_t kOffInterval = 4;  // v3: rsvd (4 bits) + Max Adver Int (12 bits), centiseconds
constexpr size_t kOffAuthType = 4;  // v2: Auth Type (8 bits)
constexpr size_t kOffAdverInt = 5;  // v2: Adver Int (8 bits), seconds
constexpr size_t kOffChecksum = 6;

constexpr int kV3MaxCentiseconds = 0x0fff;  // 12 bits: 40.95 s
constexpr milliseconds kCentisecond{10};

size_t message_size(uint8_t version, Family family, size_t count) {
  return kHeaderSize + count * address_size(family) + (version == 2 ? kV2AuthDataSize : 0);
}

bool uses_pseudo_header(uint8_t version, Family family, ChecksumVariant ipv4_v3) {
  if (version == 2) return false;            // RFC 3768 §5.3.8: the VRRP message only
  if (family == Family::kIpv6) return true;  // RFC 5798 §5.2.8: always for IPv6
  return ipv4_v3 == ChecksumVariant::kPseudoHeader;
}

core::Status check_encodable(const Advert& a, const IpAddress& src, const IpAddress& dst) {
  auto bad = [](std::string what) {
    return core::fail(core::Errc::kInvalid, "VRRP advert: " + what);
  };
  if (a.version != 2 && a.version != 3) return bad("version " + std::to_string(a.version));
  if (a.version == 2 && a.family != Family::kIpv4) return bad("VRRPv2 is IPv4 only");
  if (a.type > 0x0f) return bad("type " + std::to_string(a.type));
  if (a.vrid == 0) return bad("VRID 0");
  if (a.addresses.empty() || a.addresses.size() > 255)
    return bad(std::to_string(a.addresses.size()) + " addresses (1..255)");
  for (const IpAddress& addr : a.addresses)
    if (addr.family != a.family) return bad("address family differs from the packet's");
  if (src.family != a.family || dst.family != a.family)
    return bad("source/destination family differs from the packet's");
  const auto ms = a.max_adver_interval;
  if (a.version == 3) {
    if (ms % kCentisecond != milliseconds::zero() || ms < kCentisecond ||
        ms > kCentisecond * kV3MaxCentiseconds)
      return bad("interval " + std::to_string(ms.count()) + "ms is not 10..40950ms in 10ms steps");
  } else {
    if (ms % std::chrono::seconds(1) != milliseconds::zero() || ms < std::chrono::seconds(1) ||
        ms > std::chrono::seconds(255))
      return bad("VRRPv2 interval " + std::to_string(ms.count()) +
                 "ms is not 1..255 whole seconds");
    if (a.auth_type != AuthType::kNone && a.auth_type != AuthType::kSimpleText)
      return bad("VRRPv2 auth type 2 (IP AH) is not supported");
  }
  return {};
}

void put16(std::vector<uint8_t>& out, size_t off, uint16_t v) {
  out[off] = static_cast<uint8_t>(v >> 8);
  out[off + 1] = static_cast<uint8_t>(v);
}

uint16_t get16(std::span<const uint8_t> in, size_t off) {
  return static_cast<uint16_t>(in[off] << 8 | in[off + 1]);
}

}  // namespace

core::Result<std::vector<uint8_t>> encode_advert(const Advert& a, const IpAddress& source,
                                                 const IpAddress& destination,
                                                 ChecksumVariant ipv4_v3_checksum) {
  if (auto ok = check_encodable(a, source, destination); !ok) return std::unexpected(ok.error());
  std::vector<uint8_t> out(message_size(a.version, a.family, a.addresses.size()), 0);
  out[kOffVersionType] = static_cast<uint8_t>(a.version << 4 | a.type);
  out[kOffVrid] = a.vrid;
  out[kOffPriority] = a.priority;
  out[kOffCount] = static_cast<uint8_t>(a.addresses.size());
  if (a.version == 3) {
    // The 4 reserved bits stay zero (RFC 5798 §5.2.6).
    put16(out, kOffInterval, static_cast<uint16_t>(a.max_adver_interval / kCentisecond));
  } else {
    out[kOffAuthType] = static_cast<uint8_t>(a.auth_type);
    out[kOffAdverInt] = static_cast<uint8_t>(
        std::chrono::duration_cast<std::chrono::seconds>(a.max_adver_interval).count());
  }
  size_t off = kHeaderSize;
  for (const IpAddress& addr : a.addresses) {
    std::ranges::copy(addr.view(), out.begin() + static_cast<std::ptrdiff_t>(off));
    off += address_size(a.family);
  }
  // RFC 3768 §5.3.10: the auth data is sent even with auth type 0 (then all zero).
  if (a.version == 2 && a.auth_type == AuthType::kSimpleText)
    std::ranges::copy(a.auth_data, out.begin() + static_cast<std::ptrdiff_t>(off));
  const bool pseudo = uses_pseudo_header(a.version, a.family, ipv4_v3_checksum);
  put16(out, kOffChecksum, internet_checksum(out, pseudo, source, destination));
  return out;
}

std::expected<Advert, DropReason> decode_advert(std::span<const uint8_t> in, Family family) {
  if (in.size() < kHeaderSize) return std::unexpected(DropReason::kPacketLength);
  Advert a;
  a.version = in[kOffVersionType] >> 4;
  a.type = in[kOffVersionType] & 0x0f;
  if (a.version != 2 && a.version != 3) return std::unexpected(DropReason::kVersion);
  if (a.version == 2 && family != Family::kIpv4) return std::unexpected(DropReason::kVersion);
  if (a.type != kTypeAdvertisement) return std::unexpected(DropReason::kInvalidType);
  a.vrid = in[kOffVrid];
  a.priority = in[kOffPriority];
  a.count = in[kOffCount];
  if (a.count == 0) return std::unexpected(DropReason::kZeroAddressCount);
  const size_t expected = message_size(a.version, family, a.count);
  if (in.size() < expected) return std::unexpected(DropReason::kTruncated);
  if (in.size() > expected) return std::unexpected(DropReason::kPacketLength);
  a.family = family;
  if (a.version == 3) {
    // Reserved bits are ignored on receipt (RFC 5798 §5.2.6).
    a.max_adver_interval = kCentisecond * (get16(in, kOffInterval) & kV3MaxCentiseconds);
  } else {
    a.auth_type = static_cast<AuthType>(in[kOffAuthType]);
    a.max_adver_interval = std::chrono::seconds(in[kOffAdverInt]);
  }
  a.checksum = get16(in, kOffChecksum);
  const size_t asize = address_size(family);
  a.addresses.reserve(a.count);
  for (size_t i = 0; i < a.count; ++i)
    a.addresses.push_back(IpAddress::from_bytes(family, in.subspan(kHeaderSize + i * asize)));
  if (a.version == 2)
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(kHeaderSize + a.count * asize),
                kV2AuthDataSize, a.auth_data.begin());
  return a;
}

std::optional<ChecksumVariant> verify_checksum(std::span<const uint8_t> payload, uint8_t version,
                                               const IpAddress& source,
                                               const IpAddress& destination,
                                               ChecksumPolicy policy) {
  auto matches = [&](bool pseudo) {
    return ones_complement_sum(payload, pseudo, source, destination) == 0xffff;
  };
  if (version == 2) {
    if (matches(false)) return ChecksumVariant::kMessageOnly;
    return std::nullopt;
  }
  if (source.family == Family::kIpv6) {
    if (matches(true)) return ChecksumVariant::kPseudoHeader;
    return std::nullopt;
  }
  if (policy != ChecksumPolicy::kMessageOnlyOnly && matches(true))
    return ChecksumVariant::kPseudoHeader;
  if (policy != ChecksumPolicy::kPseudoHeaderOnly && matches(false))
    return ChecksumVariant::kMessageOnly;
  return std::nullopt;
}

std::optional<uint8_t> peek_vrid(std::span<const uint8_t> payload) {
  if (payload.size() < kHeaderSize) return std::nullopt;
  return payload[kOffVrid];
}

}  // namespace hadirector::vrrp
