#include "ipvs/sync_message.h"

namespace hadirector::ipvs {
namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

IpAddress address_at(const std::uint8_t* p, Family family) {
  IpAddress a;
  a.family = family;
  const std::size_t n = family == Family::kInet ? 4 : 16;
  for (std::size_t i = 0; i < n; ++i) a.bytes[i] = p[i];
  return a;
}

// Options between `p` and `end` (both inside the datagram).
std::expected<void, SyncDecodeError> decode_options(const std::uint8_t* p, const std::uint8_t* end,
                                                    SyncConnection& conn) {
  bool seen_data = false;
  bool seen_name = false;
  while (p < end) {
    if (end - p < 2) return std::unexpected(SyncDecodeError::kOptionTruncated);
    const std::uint8_t type = p[0];
    const std::size_t len = p[1];
    p += 2;
    if (len == 0) return std::unexpected(SyncDecodeError::kOptionInvalid);
    if (static_cast<std::size_t>(end - p) < len)
      return std::unexpected(SyncDecodeError::kOptionTruncated);
    switch (type & ~kSyncOptOptionalBit) {
      case kSyncOptSeqData:
        if (len != kSyncSeqOptionSize || conn.has_sequence)
          return std::unexpected(SyncDecodeError::kOptionInvalid);
        conn.has_sequence = true;
        break;
      case kSyncOptPeData:
        if (seen_data) return std::unexpected(SyncDecodeError::kOptionInvalid);
        seen_data = true;
        conn.pe_data_length = len;
        break;
      case kSyncOptPeName:
        if (seen_name || len > kSyncPeNameMax)
          return std::unexpected(SyncDecodeError::kOptionInvalid);
        seen_name = true;
        conn.pe_name.assign(reinterpret_cast<const char*>(p), len);
        break;
      default:
        if (!(type & kSyncOptOptionalBit)) conn.unknown_mandatory_option = true;
    }
    p += len;
  }
  return {};
}

// One entry of `size` bytes (already known to fit in the datagram) at `p`.
std::expected<SyncConnection, SyncDecodeError> decode_entry(const std::uint8_t* p,
                                                            std::size_t size) {
  SyncConnection c;
  const std::uint8_t type = p[0];
  std::size_t fixed = kSyncConnV4Size;
  if (type & 1) {
    c.family = Family::kInet6;
    fixed = kSyncConnV6Size;
  } else if (type != 0) {
    return std::unexpected(SyncDecodeError::kEntryType);
  }
  if (size < fixed) return std::unexpected(SyncDecodeError::kEntryOverrun);
  c.protocol = p[1];
  c.flags = be32(p + 4);
  c.state = be16(p + 8);
  c.client_port = be16(p + 10);
  c.virtual_port = be16(p + 12);
  c.destination_port = be16(p + 14);
  c.fwmark = be32(p + 16);
  c.timeout_s = be32(p + 20);
  const std::size_t alen = c.family == Family::kInet ? 4 : 16;
  c.client = address_at(p + 24, c.family);
  c.virtual_address = address_at(p + 24 + alen, c.family);
  c.destination = address_at(p + 24 + 2 * alen, c.family);
  if (auto ok = decode_options(p + fixed, p + size, c); !ok) return std::unexpected(ok.error());
  return c;
}

}  // namespace

std::string_view to_string(SyncDecodeError error) {
  switch (error) {
    case SyncDecodeError::kHeaderTooShort:
      return "header_too_short";
    case SyncDecodeError::kSizeMismatch:
      return "size_mismatch";
    case SyncDecodeError::kNotVersion1:
      return "version_mismatch";
    case SyncDecodeError::kEntryTruncated:
      return "entry_truncated";
    case SyncDecodeError::kEntryOverrun:
      return "entry_overrun";
    case SyncDecodeError::kEntryVersion:
      return "entry_version";
    case SyncDecodeError::kEntryType:
      return "entry_type";
    case SyncDecodeError::kOptionTruncated:
      return "option_truncated";
    case SyncDecodeError::kOptionInvalid:
      return "option_invalid";
  }
  return "unknown";
}

std::expected<SyncMessage, SyncDecodeError> decode_sync_message(
    std::span<const std::uint8_t> datagram) {
  const std::uint8_t* const buf = datagram.data();
  const std::size_t n = datagram.size();
  // A version 0 header is 4 bytes; anything shorter is not even that.
  if (n < 4) return std::unexpected(SyncDecodeError::kHeaderTooShort);
  if (be16(buf + 2) != n) return std::unexpected(SyncDecodeError::kSizeMismatch);
  if (n < kSyncHeaderSize || buf[0] != 0 || buf[5] != 1 || be16(buf + 6) != 0)
    return std::unexpected(SyncDecodeError::kNotVersion1);
  SyncMessage m;
  m.sync_id = buf[1];
  const std::size_t count = buf[4];
  std::size_t off = kSyncHeaderSize;
  for (std::size_t i = 0; i < count; ++i) {
    if (off > n || n - off < kSyncConnV4Size)
      return std::unexpected(SyncDecodeError::kEntryTruncated);
    const std::uint16_t ver_size = be16(buf + off + 2);
    const std::size_t size = ver_size & 0x0fff;
    if (size > n - off) return std::unexpected(SyncDecodeError::kEntryOverrun);
    if (ver_size >> 12) return std::unexpected(SyncDecodeError::kEntryVersion);
    auto conn = decode_entry(buf + off, size);
    if (!conn) return std::unexpected(conn.error());
    m.connections.push_back(std::move(*conn));
    off += (size + 3) & ~std::size_t{3};
  }
  return m;
}

}  // namespace hadirector::ipvs
