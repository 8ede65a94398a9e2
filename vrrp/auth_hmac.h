// Authenticated VRRP adverts (draft-cassen-vrrp-auth-hmac, as keepalived 2.4.1 implements it):
// a 28-byte trailer after the VRRP message carrying a key id, a time-based 64-bit sequence and
// an HMAC-SHA256 tag truncated to 128 bits. Pure: the trailer codec, the tag, the sender's
// sequence and the receiver's per-sender replay marks; the caller supplies the wall clock.
// Not here: where the keys come from (daemon/config) or what is counted and logged (the glue).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <vector>

#include "vrrp/drop_reason.h"
#include "vrrp/ip_address.h"

namespace hadirector::vrrp {

// Trailer layout (all fields in network order):
//   0 Ext Type (1 = HMAC-SHA256/128)  1 Key ID  2-3 Reserved (0)
//   4-7 seconds since the Unix epoch (UTC)  8-9 binary fraction of the second  10-11 counter
//   12-27 HMAC
inline constexpr size_t kAuthTrailerSize = 28;
inline constexpr size_t kAuthTagSize = 16;
inline constexpr size_t kAuthTrailerPrefixSize = kAuthTrailerSize - kAuthTagSize;
inline constexpr uint8_t kAuthExtHmacSha256 = 1;
// A key shorter than 32 bytes is refused: it keeps a 128-bit margin (the draft's floor).
inline constexpr size_t kAuthKeyMinSize = 32;
inline constexpr size_t kAuthKeyMaxSize = 64;

enum class AuthMode : uint8_t {
  kEnforce,     // an advert without a valid trailer is dropped
  kPermissive,  // an advert without a trailer is accepted (migration); a bad trailer is not
};
enum class ReplayMode : uint8_t {
  kTime,       // the sequence's seconds must lie within `window` of our clock, and grow
  kMonotonic,  // the sequence only has to grow (no clock agreement needed)
};

struct AuthKey {
  uint8_t id = 0;
  std::vector<uint8_t> secret;  // kAuthKeyMinSize..kAuthKeyMaxSize bytes
  bool operator==(const AuthKey&) const = default;
};

// One instance's authentication settings; `keys` empty means authentication is off.
struct AuthParams {
  std::vector<AuthKey> keys;  // any of them verifies a received advert (rotation)
  uint8_t send_key = 0;       // the id we sign with; must be in `keys`
  AuthMode mode = AuthMode::kEnforce;
  ReplayMode replay = ReplayMode::kTime;
  std::chrono::seconds window{5};
  bool enabled() const { return !keys.empty(); }
  const AuthKey* find(uint8_t id) const;
};

struct AuthTrailer {
  uint8_t ext_type = kAuthExtHmacSha256;
  uint8_t key_id = 0;
  uint16_t reserved = 0;
  uint64_t sequence = 0;  // seconds << 32 | fraction << 16 | counter
  std::array<uint8_t, kAuthTagSize> tag{};
};

std::array<uint8_t, kAuthTrailerSize> encode_trailer(const AuthTrailer& trailer);
AuthTrailer decode_trailer(std::span<const uint8_t, kAuthTrailerSize> bytes);

// The tag of the draft: HMAC-SHA256 with `key` over a 20-byte pseudo-header (4 or 6 for the
// family, the VRRP version, the VRID, a zero byte, the source address zero padded to 16
// bytes), then `message` with its checksum field read as zero, then the trailer's first 12
// bytes, then 16 zero bytes in place of the tag; truncated to its first 16 bytes. The IP
// header and the checksum stay out, so one signed advert serves every unicast peer.
std::array<uint8_t, kAuthTagSize> auth_tag(std::span<const uint8_t> key, uint8_t version,
                                           uint8_t vrid, const IpAddress& source,
                                           std::span<const uint8_t> message,
                                           std::span<const uint8_t, kAuthTrailerPrefixSize> prefix);

// Appends a trailer signed with `key` to `payload` (an encode_advert() result for `source` and
// `destination`). The IPv4 checksum keeps covering the VRRP message alone; the IPv6 checksum is
// recomputed over the whole payload, trailer included, as a kernel IPV6_CHECKSUM socket does.
void append_auth_trailer(std::vector<uint8_t>& payload, const AuthKey& key, uint64_t sequence,
                         const IpAddress& source, const IpAddress& destination);

// A received payload cut into the VRRP message and the trailer when its length is exactly
// that of the message its header describes plus kAuthTrailerSize; otherwise the whole payload
// is the message (and decode_advert judges its length).
struct AuthSplit {
  std::span<const uint8_t> message;
  std::optional<std::span<const uint8_t, kAuthTrailerSize>> trailer;
};
AuthSplit split_auth_trailer(std::span<const uint8_t> payload, Family family);

// Verifies a trailer in the draft's order: scheme and reserved bits, freshness (time mode,
// before the costly HMAC: a flood of stale captures costs no digest), key id, tag compared in
// constant time. Returns the sequence for the caller's replay marks.
std::expected<uint64_t, DropReason> verify_auth_trailer(
    std::span<const uint8_t> message, std::span<const uint8_t, kAuthTrailerSize> trailer,
    uint8_t version, uint8_t vrid, const IpAddress& source, const AuthParams& params,
    int64_t now_unix_seconds);

// RFC 1982 serial arithmetic on the 64-bit sequence: a follows b.
inline bool sequence_after(uint64_t a, uint64_t b) { return static_cast<int64_t>(a - b) > 0; }
// The sequence of a wall-clock reading, counter zero.
uint64_t clock_sequence(int64_t unix_seconds, uint32_t nanoseconds);

// The sender's sequence: the clock, or the last value plus one when the clock has not moved
// past it. No state survives a restart; the clock has moved on by then. In time mode a value
// stranded more than `window` ahead of the clock (a clock stepped back) restarts from the
// clock, since receivers would drop it as stale anyway.
class AuthSequencer {
 public:
  uint64_t next(uint64_t clock, ReplayMode mode, std::chrono::seconds window);

 private:
  uint64_t last_ = 0;
};

// The receiver's high-water mark per sender, moved only by adverts whose tag verified. A mark
// outside the window (time mode) is forgotten, so a sender whose clock was stepped back
// recovers. At most kMaxSenders are remembered (least recently heard evicted): the unicast
// peer list, or the few routers that contend on a multicast link.
class ReplayMarks {
 public:
  static constexpr size_t kMaxSenders = 16;
  // Whether `sequence` from `sender` is fresh; if so it becomes the sender's mark.
  bool accept(const IpAddress& sender, uint64_t sequence, ReplayMode mode,
              std::chrono::seconds window, int64_t now_unix_seconds);
  void clear() { marks_.clear(); }

 private:
  struct Mark {
    IpAddress sender;
    uint64_t sequence = 0;
    uint64_t used = 0;
  };
  std::vector<Mark> marks_;
  uint64_t clock_ = 0;
};

}  // namespace hadirector::vrrp
