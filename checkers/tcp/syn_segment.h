// TCP segments of a half-open (SYN) probe: builds the SYN we send from a raw socket and reads
// the answer (SYN-ACK: a listener is there; RST: nothing listens) from untrusted bytes, plus
// the classic BPF program that lets the raw socket see only segments to our probe port.
// Pure: no sockets here; half_open_prober.* does the I/O.
#pragma once

#include <linux/filter.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hadirector::checkers::tcp {

// An IPv4 or IPv6 address in network byte order (IPv4 in the first 4 bytes).
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
  bool operator==(const IpAddress&) const = default;
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), v6 ? 16u : 4u};
  }
};

struct SynFields {
  IpAddress source;       // the checksum's pseudo-header needs both addresses
  IpAddress destination;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint32_t sequence = 0;  // our initial sequence number; the answer acknowledges it + 1
};

// The TCP header of a SYN (20 bytes plus an MSS option), checksum filled for either family.
// A fixed array: one is built per probe, and a string of this size would be an allocation.
inline constexpr size_t kSynLength = 24;
using SynBytes = std::array<char, kSynLength>;
SynBytes encode_syn(const SynFields& syn);

enum class SegmentKind { kSynAck, kReset };

// Why a received datagram is not an answer; each is a counted drop in the prober.
enum class SegmentDrop { kNone, kShort, kNotIpv4, kFragment, kNotTcp, kBadOffset, kNotAnAnswer };

struct Segment {
  SegmentDrop drop = SegmentDrop::kNone;  // kNone: the fields below are valid
  SegmentKind kind = SegmentKind::kReset;
  IpAddress source;  // from the IPv4 header; left empty for IPv6 (the caller has msg_name)
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint32_t acknowledged = 0;  // the ack field: our sequence + 1 for an answer to our SYN
};

// Reads what a raw IPPROTO_TCP socket delivered: with the IPv4 header first (`ipv4`), or the
// bare TCP header (IPv6 raw sockets strip theirs). Only SYN-ACK and RST-with-ACK are answers.
Segment parse_segment(std::string_view datagram, bool ipv4);

const char* segment_drop_name(SegmentDrop drop);

// A filter for a raw TCP socket of the family (`ipv4`: the program skips the IPv4 header)
// accepting only unfragmented SYN-ACK or RST segments to `port`, cut to the headers.
std::vector<sock_filter> answer_filter(bool ipv4, uint16_t port);

}  // namespace hadirector::checkers::tcp
