// Decoder of the kernel's IPVS connection-sync datagrams, protocol version 1 (8-byte header:
// reserved 0, syncid, size, connection count, version 1, spare 0; then per connection a v4 or
// v6 entry with optional parameters, each entry padded to 32 bits). Pure, bounds-checked on
// every read, never trusts a length; used by the sync monitor and fuzzed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ipvs/ipvs_types.h"

namespace hadirector::ipvs {

inline constexpr std::size_t kSyncHeaderSize = 8;
inline constexpr std::size_t kSyncConnV4Size = 36;
inline constexpr std::size_t kSyncConnV6Size = 72;
inline constexpr std::size_t kSyncSeqOptionSize = 24;  // two (init_seq, delta, previous_delta)
inline constexpr std::uint8_t kSyncOptSeqData = 1;
inline constexpr std::uint8_t kSyncOptPeData = 2;
inline constexpr std::uint8_t kSyncOptPeName = 3;
inline constexpr std::uint8_t kSyncOptOptionalBit = 0x40;  // unknown options may be skipped
inline constexpr std::size_t kSyncPeNameMax = 16;

struct SyncConnection {
  Family family = Family::kInet;
  std::uint8_t protocol = 0;  // IPPROTO_*
  std::uint32_t flags = 0;    // IP_VS_CONN_F_*
  std::uint16_t state = 0;    // protocol state number
  IpAddress client;
  IpAddress virtual_address;
  IpAddress destination;
  std::uint16_t client_port = 0;
  std::uint16_t virtual_port = 0;
  std::uint16_t destination_port = 0;
  std::uint32_t fwmark = 0;
  std::uint32_t timeout_s = 0;
  bool has_sequence = false;
  std::string pe_name;
  std::size_t pe_data_length = 0;
  bool unknown_mandatory_option = false;  // the kernel drops such a connection
  friend bool operator==(const SyncConnection&, const SyncConnection&) = default;
};

struct SyncMessage {
  std::uint8_t sync_id = 0;
  std::vector<SyncConnection> connections;
};

enum class SyncDecodeError {
  kHeaderTooShort,   // fewer bytes than a header
  kSizeMismatch,     // the header's size differs from the datagram's length
  kNotVersion1,      // version 0 (or unknown) message: a version mismatch between peers
  kEntryTruncated,   // fewer bytes left than a v4 entry
  kEntryOverrun,     // an entry's size runs past the datagram or is below its fixed part
  kEntryVersion,     // an entry's version nibble is not 0
  kEntryType,        // unknown entry type
  kOptionTruncated,  // an option's type/length or data runs past its entry
  kOptionInvalid,    // zero length, wrong sequence-option size, duplicate, PE name too long
};
std::string_view to_string(SyncDecodeError error);

std::expected<SyncMessage, SyncDecodeError> decode_sync_message(
    std::span<const std::uint8_t> datagram);

}  // namespace hadirector::ipvs
