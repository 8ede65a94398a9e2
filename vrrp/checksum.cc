#include "vrrp/checksum.h"

#include <cstddef>

namespace hadirector::vrrp {
namespace {

// Adds big-endian 16-bit words; an odd trailing byte is padded with zero (RFC 1071 §4.1).
uint64_t add_words(uint64_t sum, std::span<const uint8_t> bytes) {
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += static_cast<uint64_t>(bytes[i] << 8 | bytes[i + 1]);
  if (i < bytes.size()) sum += static_cast<uint64_t>(bytes[i] << 8);
  return sum;
}

uint64_t add_pseudo_header(uint64_t sum, size_t length, const IpAddress& source,
                           const IpAddress& destination) {
  sum = add_words(sum, source.view());
  sum = add_words(sum, destination.view());
  // Both layouts put the protocol in the low byte of a word and the length in whole words
  // (IPv4: 16 bits; IPv6: 32 bits), so their sums are computed the same way.
  sum += kIpProtoVrrp;
  sum += (length >> 16) & 0xffff;
  sum += length & 0xffff;
  return sum;
}

}  // namespace

uint16_t ones_complement_sum(std::span<const uint8_t> message, bool with_pseudo_header,
                             const IpAddress& source, const IpAddress& destination) {
  uint64_t sum = 0;
  if (with_pseudo_header) sum = add_pseudo_header(sum, message.size(), source, destination);
  sum = add_words(sum, message);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

}  // namespace hadirector::vrrp
