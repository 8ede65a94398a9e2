#include "vrrp/auth_hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

#include "vrrp/checksum.h"
#include "vrrp/packet.h"

namespace hadirector::vrrp {
namespace {

constexpr size_t kPseudoHeaderSize = 20;
constexpr size_t kChecksumOffset = 6;  // RFC 5798 §5.1, RFC 3768 §5.1
constexpr size_t kSha256Size = 32;

void put16(uint8_t* out, uint16_t v) {
  out[0] = static_cast<uint8_t>(v >> 8);
  out[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out + 2, static_cast<uint16_t>(v));
}
uint16_t get16(const uint8_t* in) { return static_cast<uint16_t>(in[0] << 8 | in[1]); }
uint32_t get32(const uint8_t* in) { return static_cast<uint32_t>(get16(in)) << 16 | get16(in + 2); }

// Whether the seconds of `sequence` lie within `window` of `now`. Modular, so the 32-bit field
// wrapping in 2106 is a non-event: the difference of the low 32 bits, read signed.
bool within_window(uint64_t sequence, int64_t now, std::chrono::seconds window) {
  const auto skew =
      static_cast<int32_t>(static_cast<uint32_t>(now) - static_cast<uint32_t>(sequence >> 32));
  return skew <= window.count() && skew >= -window.count();
}

// Fetched once: a fetch walks OpenSSL's provider tables, too slow for every advert.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

// HMAC-SHA256 over `parts` in order. False only when OpenSSL fails (no memory, no provider):
// the caller then leaves a zero tag, which no receiver accepts.
bool hmac_sha256(std::span<const uint8_t> key, std::span<const std::span<const uint8_t>> parts,
                 std::array<uint8_t, kSha256Size>& out) {
  EVP_MAC* mac = hmac_algorithm();
  if (mac == nullptr) return false;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  if (ctx == nullptr) return false;
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  bool ok = EVP_MAC_init(ctx, key.data(), key.size(), params) == 1;
  for (const auto& part : parts) ok = ok && EVP_MAC_update(ctx, part.data(), part.size()) == 1;
  size_t written = 0;
  ok = ok && EVP_MAC_final(ctx, out.data(), &written, out.size()) == 1 && written == out.size();
  EVP_MAC_CTX_free(ctx);
  return ok;
}

}  // namespace

const AuthKey* AuthParams::find(uint8_t id) const {
  auto it = std::ranges::find(keys, id, &AuthKey::id);
  return it == keys.end() ? nullptr : &*it;
}

std::array<uint8_t, kAuthTrailerSize> encode_trailer(const AuthTrailer& t) {
  std::array<uint8_t, kAuthTrailerSize> out{};
  out[0] = t.ext_type;
  out[1] = t.key_id;
  put16(&out[2], t.reserved);
  put32(&out[4], static_cast<uint32_t>(t.sequence >> 32));
  put16(&out[8], static_cast<uint16_t>(t.sequence >> 16));
  put16(&out[10], static_cast<uint16_t>(t.sequence));
  std::ranges::copy(t.tag, out.begin() + kAuthTrailerPrefixSize);
  return out;
}

AuthTrailer decode_trailer(std::span<const uint8_t, kAuthTrailerSize> in) {
  AuthTrailer t;
  t.ext_type = in[0];
  t.key_id = in[1];
  t.reserved = get16(&in[2]);
  t.sequence = static_cast<uint64_t>(get32(&in[4])) << 32 |
               static_cast<uint64_t>(get16(&in[8])) << 16 | get16(&in[10]);
  std::copy_n(in.begin() + kAuthTrailerPrefixSize, kAuthTagSize, t.tag.begin());
  return t;
}

std::array<uint8_t, kAuthTagSize> auth_tag(
    std::span<const uint8_t> key, uint8_t version, uint8_t vrid, const IpAddress& source,
    std::span<const uint8_t> message, std::span<const uint8_t, kAuthTrailerPrefixSize> prefix) {
  std::array<uint8_t, kPseudoHeaderSize> pseudo{};
  pseudo[0] = source.family == Family::kIpv6 ? 6 : 4;
  pseudo[1] = version;
  pseudo[2] = vrid;
  std::ranges::copy(source.view(), pseudo.begin() + 4);
  static constexpr std::array<uint8_t, kAuthTagSize> kZeros{};
  // The checksum is read as zero: the IPv6 one depends on the destination (and may be written
  // by a kernel after signing), so it cannot be bound.
  const size_t head = std::min(kChecksumOffset, message.size());
  const size_t tail = std::min(message.size(), kChecksumOffset + 2);
  const std::span<const uint8_t> parts[] = {pseudo,
                                            message.first(head),
                                            std::span(kZeros).first(tail - head),
                                            message.subspan(tail),
                                            prefix,
                                            kZeros};
  std::array<uint8_t, kSha256Size> full{};
  std::array<uint8_t, kAuthTagSize> tag{};
  if (hmac_sha256(key, parts, full)) std::copy_n(full.begin(), kAuthTagSize, tag.begin());
  OPENSSL_cleanse(full.data(), full.size());
  return tag;
}

void append_auth_trailer(std::vector<uint8_t>& payload, const AuthKey& key, uint64_t sequence,
                         const IpAddress& source, const IpAddress& destination) {
  const size_t message_size = payload.size();
  AuthTrailer trailer{.key_id = key.id, .sequence = sequence};
  auto bytes = encode_trailer(trailer);
  const uint8_t version = message_size > 0 ? payload[0] >> 4 : 0;
  const uint8_t vrid = message_size > 1 ? payload[1] : 0;
  trailer.tag = auth_tag(key.secret, version, vrid, source, payload,
                         std::span(bytes).first<kAuthTrailerPrefixSize>());
  bytes = encode_trailer(trailer);
  payload.insert(payload.end(), bytes.begin(), bytes.end());
  if (source.family != Family::kIpv6 || message_size < kHeaderSize) return;
  payload[kChecksumOffset] = payload[kChecksumOffset + 1] = 0;
  const uint16_t sum = internet_checksum(payload, true, source, destination);
  payload[kChecksumOffset] = static_cast<uint8_t>(sum >> 8);
  payload[kChecksumOffset + 1] = static_cast<uint8_t>(sum);
}

AuthSplit split_auth_trailer(std::span<const uint8_t> payload, Family family) {
  AuthSplit split{.message = payload, .trailer = std::nullopt};
  if (payload.size() < kHeaderSize) return split;
  const uint8_t version = payload[0] >> 4;
  const size_t message =
      kHeaderSize + payload[3] * address_size(family) + (version == 2 ? kV2AuthDataSize : 0);
  if (payload.size() != message + kAuthTrailerSize) return split;
  split.message = payload.first(message);
  split.trailer = payload.subspan(message).first<kAuthTrailerSize>();
  return split;
}

std::expected<uint64_t, DropReason> verify_auth_trailer(
    std::span<const uint8_t> message, std::span<const uint8_t, kAuthTrailerSize> bytes,
    uint8_t version, uint8_t vrid, const IpAddress& source, const AuthParams& params,
    int64_t now_unix_seconds) {
  const AuthTrailer trailer = decode_trailer(bytes);
  if (trailer.ext_type != kAuthExtHmacSha256 || trailer.reserved != 0)
    return std::unexpected(DropReason::kAuthMalformed);
  if (params.replay == ReplayMode::kTime &&
      !within_window(trailer.sequence, now_unix_seconds, params.window))
    return std::unexpected(DropReason::kAuthStale);
  const AuthKey* key = params.find(trailer.key_id);
  if (key == nullptr) return std::unexpected(DropReason::kAuthUnknownKey);
  const auto expected =
      auth_tag(key->secret, version, vrid, source, message, bytes.first<kAuthTrailerPrefixSize>());
  if (CRYPTO_memcmp(expected.data(), trailer.tag.data(), kAuthTagSize) != 0)
    return std::unexpected(DropReason::kAuthBadHmac);
  return trailer.sequence;
}

uint64_t clock_sequence(int64_t unix_seconds, uint32_t nanoseconds) {
  const uint64_t fraction = (static_cast<uint64_t>(nanoseconds) << 16) / 1'000'000'000U;
  return static_cast<uint64_t>(static_cast<uint32_t>(unix_seconds)) << 32 | (fraction & 0xffff)
                                                                                << 16;
}

uint64_t AuthSequencer::next(uint64_t clock, ReplayMode mode, std::chrono::seconds window) {
  if (sequence_after(clock, last_)) {
    last_ = clock;
    return last_;
  }
  const auto ahead =
      static_cast<int32_t>(static_cast<uint32_t>(last_ >> 32) - static_cast<uint32_t>(clock >> 32));
  if (mode == ReplayMode::kTime && ahead > window.count()) {
    last_ = clock;
  } else {
    ++last_;
  }
  return last_;
}

bool ReplayMarks::accept(const IpAddress& sender, uint64_t sequence, ReplayMode mode,
                         std::chrono::seconds window, int64_t now_unix_seconds) {
  ++clock_;
  auto it = std::ranges::find(marks_, sender, &Mark::sender);
  if (it == marks_.end()) {
    if (marks_.size() >= kMaxSenders)
      marks_.erase(std::ranges::min_element(marks_, {}, &Mark::used));
    marks_.push_back({sender, sequence, clock_});
    return true;
  }
  // A mark outside the window orders nothing the window lets through; forgetting it lets a
  // sender whose clock was stepped back be heard again.
  const bool expired =
      mode == ReplayMode::kTime && !within_window(it->sequence, now_unix_seconds, window);
  if (!expired && !sequence_after(sequence, it->sequence)) return false;
  it->sequence = sequence;
  it->used = clock_;
  return true;
}

}  // namespace hadirector::vrrp
