// Fuzz target for the VRRP receive path: arbitrary bytes as a VRRP message, with IP facts and
// the instance's settings drawn from the first bytes. Decoding must never read out of bounds or
// abort, and whatever decodes must re-encode to bytes that decode to the same advert. With
// control bit 0x80 the instance authenticates (draft-cassen-vrrp-auth-hmac, the appendix key):
// the trailer split, the trailer codec and the HMAC check run on every input, and an accepted
// authenticated advert, signed again, must verify again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "vrrp/auth_hmac.h"
#include "vrrp/packet.h"
#include "vrrp/receive_check.h"

namespace hv = hadirector::vrrp;

namespace {

constexpr size_t kControlBytes = 4;

hv::ReceiveParams params_from(const uint8_t* c, hv::Family family, uint8_t vrid) {
  hv::ReceiveParams p;
  p.family = family;
  p.version = (c[0] & 0x02) && family == hv::Family::kIpv4 ? 2 : 3;
  p.vrid = vrid;  // mostly "ours", so the deep checks run
  p.local_priority = c[1];
  p.checksum = static_cast<hv::ChecksumPolicy>(c[2] % 3);
  p.address_list = static_cast<hv::AddressListPolicy>((c[2] >> 2) % 3);
  p.unicast = c[0] & 0x04;
  p.unicast_require_ttl_255 = c[0] & 0x08;
  p.auth_type = (c[0] & 0x10) ? hv::AuthType::kSimpleText : hv::AuthType::kNone;
  p.advert_interval = std::chrono::milliseconds(1000);
  hv::IpAddress vip;
  vip.family = family;
  vip.bytes[0] = c[3];
  p.virtual_addresses = {vip};
  if (c[0] & 0x80) {
    hv::AuthKey key{.id = 1, .secret = {}};
    for (uint8_t b = 0; b < 32; ++b) key.secret.push_back(b);
    p.auth.keys = {key};
    p.auth.send_key = 1;
    p.auth.mode = (c[2] & 0x10) ? hv::AuthMode::kPermissive : hv::AuthMode::kEnforce;
    p.auth.replay = (c[2] & 0x20) ? hv::ReplayMode::kMonotonic : hv::ReplayMode::kTime;
  }
  return p;
}

// The appendix vectors' timestamp, so their images are fresh.
constexpr int64_t kNow = 0x68000000;

void check_auth_round_trip(const hv::Accepted& accepted, const hv::IpFacts& ip,
                           const hv::ReceiveParams& params) {
  if (!accepted.auth_sequence) return;
  auto bytes = hv::encode_advert(accepted.advert, ip.source, ip.destination, accepted.checksum);
  if (!bytes) return;
  hv::append_auth_trailer(*bytes, params.auth.keys.front(), *accepted.auth_sequence, ip.source,
                          ip.destination);
  const hv::AuthSplit split = hv::split_auth_trailer(*bytes, accepted.advert.family);
  if (!split.trailer) std::abort();
  if (!hv::verify_auth_trailer(split.message, *split.trailer, accepted.advert.version,
                               accepted.advert.vrid, ip.source, params.auth, kNow))
    std::abort();
}

void check_round_trip(const hv::Advert& a, const hv::IpFacts& ip) {
  // Only encodable values re-encode (e.g. a v3 interval of 0 decodes but must not be sent).
  auto bytes = hv::encode_advert(a, ip.source, ip.destination);
  if (!bytes) return;
  auto back = hv::decode_advert(*bytes, a.family);
  if (!back || back->addresses != a.addresses || back->vrid != a.vrid ||
      back->priority != a.priority || back->max_adver_interval != a.max_adver_interval ||
      back->version != a.version)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kControlBytes) return 0;
  const uint8_t* control = data;
  std::span<const uint8_t> payload(data + kControlBytes, size - kControlBytes);
  const hv::Family family = (control[0] & 0x01) ? hv::Family::kIpv6 : hv::Family::kIpv4;

  hv::IpFacts ip;
  ip.ttl = (control[0] & 0x20) ? control[1] : 255;
  ip.source.family = ip.destination.family = family;
  ip.source.bytes[0] = 192;
  ip.destination.bytes[0] = 224;

  const uint8_t vrid = payload.size() > 1 && !(control[0] & 0x40) ? payload[1] : 51;
  hv::ReceiveParams params = params_from(control, family, vrid);
  if (params.unicast) params.unicast_peers = {ip.source};
  ip.now_unix_seconds = kNow;
  hv::ReceiveResult result = hv::check_advert(payload, ip, params);
  if (const auto* accepted = std::get_if<hv::Accepted>(&result)) {
    check_round_trip(accepted->advert, ip);
    check_auth_round_trip(*accepted, ip, params);
  }
  const hv::AuthSplit split = hv::split_auth_trailer(payload, family);
  if (split.trailer) {
    (void)hv::decode_trailer(*split.trailer);
    hv::AuthParams auth = params.auth;
    if (!auth.enabled())
      auth.keys = {hv::AuthKey{.id = payload[split.message.size() + 1],
                               .secret = std::vector<uint8_t>(32, 7)}};
    (void)hv::verify_auth_trailer(split.message, *split.trailer, 3, 51, ip.source, auth, kNow);
  }

  if (auto decoded = hv::decode_advert(payload, family)) check_round_trip(*decoded, ip);
  (void)hv::verify_checksum(payload, 3, ip.source, ip.destination,
                            hv::ChecksumPolicy::kAcceptEither);
  (void)hv::peek_vrid(payload);
  return 0;
}
