#include "checkers/tcp/syn_segment.h"

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
void put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xFF);
}
void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v & 0xFFFF));
}

// RFC 793 / RFC 8200 §8.1 pseudo-header: addresses, protocol and the segment's length.
std::string pseudo_header(const SynFields& syn, size_t length) {
  std::string out;
  out += syn.source.view();
  out += syn.destination.view();
  if (syn.source.v6) {
    put32(out, static_cast<uint32_t>(length));
    put32(out, kProtocolTcp);
  } else {
    out += '\0';
    out += static_cast<char>(kProtocolTcp);
    put16(out, static_cast<uint16_t>(length));
  }
  return out;
}

Segment dropped(SegmentDrop why) {
  Segment out;
  out.drop = why;
  return out;
}

}  // namespace

std::string encode_syn(const SynFields& syn) {
  std::string tcp;
  tcp.reserve(kTcpHeader + 4);
  put16(tcp, syn.source_port);
  put16(tcp, syn.destination_port);
  put32(tcp, syn.sequence);
  put32(tcp, 0);                    // ack
  tcp += static_cast<char>(6 << 4);  // data offset: 6 words (one option)
  tcp += static_cast<char>(kSyn);
  put16(tcp, 64240);  // window
  put16(tcp, 0);      // checksum, filled below
  put16(tcp, 0);      // urgent pointer
  tcp += '\x02';      // MSS option, length 4
  tcp += '\x04';
  put16(tcp, syn.source.v6 ? kMssV6 : kMssV4);
  const uint16_t sum = icmp::internet_checksum(pseudo_header(syn, tcp.size()) + tcp);
  tcp[16] = static_cast<char>(sum >> 8);
  tcp[17] = static_cast<char>(sum & 0xFF);
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
