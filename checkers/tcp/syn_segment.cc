#include "checkers/tcp/syn_segment.h"

#include <cstring>

#include "checkers/icmp/icmp_packet.h"

namespace hadirector::checkers::tcp {

namespace {

constexpr size_t kTcpHeader = 20;
constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
constexpr uint8_t kProtocolTcp = 6;
// A typical MSS for the family on Ethernet; the answer is thrown away, so it only makes the
// SYN look like any other client's.
constexpr uint16_t kMssV4 = 1460, kMssV6 = 1440;

uint8_t byte(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }
uint16_t u16(std::string_view b, size_t i) {
  return static_cast<uint16_t>(byte(b, i) << 8 | byte(b, i + 1));
}
uint32_t u32(std::string_view b, size_t i) {
  return static_cast<uint32_t>(u16(b, i)) << 16 | u16(b, i + 2);
}
void put16(char* out, uint16_t v) {
  out[0] = static_cast<char>(v >> 8);
  out[1] = static_cast<char>(v & 0xFF);
}
void put32(char* out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out + 2, static_cast<uint16_t>(v & 0xFFFF));
}

// The one's-complement sum (folded, not inverted) of an even number of bytes.
uint32_t sum16(std::string_view bytes) {
  return static_cast<uint16_t>(~icmp::internet_checksum(bytes));
}

// RFC 793 / RFC 8200 §8.1: the checksum covers a pseudo-header (addresses, protocol, the
// segment's length) and the segment. Both have even lengths, so their sums simply add.
uint16_t tcp_checksum(const SynFields& syn, std::string_view segment) {
  char pseudo[40];
  const size_t a = syn.source.v6 ? 16 : 4;
  std::memcpy(pseudo, syn.source.bytes.data(), a);
  std::memcpy(pseudo + a, syn.destination.bytes.data(), a);
  size_t n = 2 * a;
  if (syn.source.v6) {
    put32(pseudo + n, static_cast<uint32_t>(segment.size()));
    put32(pseudo + n + 4, kProtocolTcp);
    n += 8;
  } else {
    put16(pseudo + n, kProtocolTcp);
    put16(pseudo + n + 2, static_cast<uint16_t>(segment.size()));
    n += 4;
  }
  uint32_t sum = sum16({pseudo, n}) + sum16(segment);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

Segment dropped(SegmentDrop why) {
  Segment out;
  out.drop = why;
  return out;
}

}  // namespace

SynBytes encode_syn(const SynFields& syn) {
  SynBytes tcp{};
  put16(&tcp[0], syn.source_port);
  put16(&tcp[2], syn.destination_port);
  put32(&tcp[4], syn.sequence);       // ack (8..11), checksum (16..17), urgent: zero
  tcp[12] = static_cast<char>(6 << 4);  // data offset: 6 words (one option)
  tcp[13] = static_cast<char>(kSyn);
  put16(&tcp[14], 64240);  // window
  tcp[20] = 2;             // MSS option, length 4
  tcp[21] = 4;
  put16(&tcp[22], syn.source.v6 ? kMssV6 : kMssV4);
  put16(&tcp[16], tcp_checksum(syn, {tcp.data(), tcp.size()}));
  return tcp;
}

Segment parse_segment(std::string_view datagram, bool ipv4) {
  Segment out;
  std::string_view tcp = datagram;
  if (ipv4) {
    if (datagram.size() < 20) return dropped(SegmentDrop::kShort);
    if (byte(datagram, 0) >> 4 != 4) return dropped(SegmentDrop::kNotIpv4);
    const size_t header = (byte(datagram, 0) & 0x0F) * 4u;
    if (header < 20 || header > datagram.size()) return dropped(SegmentDrop::kBadOffset);
    // A later fragment has no TCP header; a first one would be a TCP header we cannot trust.
    if ((u16(datagram, 6) & 0x3FFF) != 0) return dropped(SegmentDrop::kFragment);
    if (byte(datagram, 9) != kProtocolTcp) return dropped(SegmentDrop::kNotTcp);
    out.source.v6 = false;
    for (size_t i = 0; i < 4; ++i) out.source.bytes[i] = byte(datagram, 12 + i);
    tcp.remove_prefix(header);
  } else {
    out.source.v6 = true;
  }
  if (tcp.size() < kTcpHeader) return dropped(SegmentDrop::kShort);
  if ((byte(tcp, 12) >> 4) * 4u < kTcpHeader) return dropped(SegmentDrop::kBadOffset);
  const uint8_t flags = byte(tcp, 13);
  // An answer to a SYN acknowledges it: SYN-ACK, or RST with ACK (RFC 9293 §3.10.7.1: a closed
  // port answers a SYN with <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>). FIN never belongs.
  const bool syn_ack = (flags & (kSyn | kAck | kRst | kFin)) == (kSyn | kAck);
  const bool reset = (flags & (kRst | kAck | kSyn)) == (kRst | kAck);
  if (!syn_ack && !reset) return dropped(SegmentDrop::kNotAnAnswer);
  out.kind = syn_ack ? SegmentKind::kSynAck : SegmentKind::kReset;
  out.source_port = u16(tcp, 0);
  out.destination_port = u16(tcp, 2);
  out.acknowledged = u32(tcp, 8);
  return out;
}

const char* segment_drop_name(SegmentDrop drop) {
  switch (drop) {
    case SegmentDrop::kNone:
      return "none";
    case SegmentDrop::kShort:
      return "short";
    case SegmentDrop::kNotIpv4:
      return "not-ipv4";
    case SegmentDrop::kFragment:
      return "fragment";
    case SegmentDrop::kNotTcp:
      return "not-tcp";
    case SegmentDrop::kBadOffset:
      return "bad-offset";
    case SegmentDrop::kNotAnAnswer:
      return "not-an-answer";
  }
  return "unknown";
}

std::vector<sock_filter> answer_filter(bool ipv4, uint16_t port) {
  // Enough of each accepted packet for parse_segment: the longest IPv4 header and TCP's fixed
  // part. Cutting there saves copying payloads nobody reads.
  constexpr uint32_t kKeep = 60 + kTcpHeader;
  std::vector<sock_filter> p;
  if (ipv4) {
    p.push_back(BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6));  // flags and fragment offset
    p.push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1FFF, 5, 0));  // a later fragment: drop
    p.push_back(BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0));  // X = IPv4 header length
  } else {
    p.push_back(BPF_STMT(BPF_LDX | BPF_IMM, 0));  // X = 0: the TCP header comes first
    p.push_back(BPF_STMT(BPF_LD | BPF_IMM, 0));   // (keeps the jump offsets of both equal)
    p.push_back(BPF_STMT(BPF_LD | BPF_IMM, 0));
  }
  p.push_back(BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2));                // destination port
  p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 2));      // not ours: drop
  p.push_back(BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13));               // TCP flags
  p.push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kRst | kSyn, 1, 0));  // SYN or RST: keep
  p.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
  p.push_back(BPF_STMT(BPF_RET | BPF_K, kKeep));
  return p;
}

}  // namespace hadirector::checkers::tcp
