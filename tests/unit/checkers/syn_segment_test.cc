// The half-open probe's segments: the SYN we build (checksum verified independently), the
// answers we accept and everything we drop, and the BPF filter run on real packets.
#include "checkers/tcp/syn_segment.h"

#include <gtest/gtest.h>

#include "checkers/icmp/icmp_packet.h"

namespace hadirector::checkers::tcp {
namespace {

IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress out;
  out.bytes = {a, b, c, d};
  return out;
}

IpAddress v6_loopback() {
  IpAddress out;
  out.v6 = true;
  out.bytes[15] = 1;
  return out;
}

// A TCP header answering our SYN, optionally behind a 20-byte IPv4 header from 192.0.2.7.
std::string answer(uint8_t flags, uint32_t ack, bool ipv4 = true, uint16_t to_port = 40000) {
  std::string tcp(20, '\0');
  tcp[0] = 0x00, tcp[1] = 80;  // from port 80
  tcp[2] = static_cast<char>(to_port >> 8), tcp[3] = static_cast<char>(to_port & 0xFF);
  for (int i = 0; i < 4; ++i) tcp[8 + i] = static_cast<char>(ack >> (24 - 8 * i));
  tcp[12] = 0x50;
  tcp[13] = static_cast<char>(flags);
  if (!ipv4) return tcp;
  std::string ip(20, '\0');
  ip[0] = 0x45;
  ip[9] = 6;
  ip[12] = static_cast<char>(192), ip[13] = 0, ip[14] = 2, ip[15] = 7;
  return ip + tcp;
}

TEST(SynSegmentTest, SynCarriesPortsSequenceAndAValidChecksum) {
  SynFields syn{v4(10, 0, 0, 1), v4(10, 0, 0, 2), 40000, 8080, 0x01020304};
  const SynBytes bytes = encode_syn(syn);
  const std::string seg(bytes.data(), bytes.size());
  ASSERT_EQ(seg.size(), 24u);
  EXPECT_EQ(static_cast<uint8_t>(seg[13]), 0x02);  // SYN only
  EXPECT_EQ(seg.substr(4, 4), std::string("\x01\x02\x03\x04", 4));
  // The one's-complement sum over pseudo-header and segment, checksum included, is zero.
  std::string pseudo = std::string(syn.source.view()) + std::string(syn.destination.view());
  pseudo += std::string("\0\x06\0\x18", 4);
  EXPECT_EQ(icmp::internet_checksum(pseudo + seg), 0);
}

TEST(SynSegmentTest, Ipv6ChecksumCoversTheLongPseudoHeader) {
  SynFields syn{v6_loopback(), v6_loopback(), 40000, 443, 7};
  const SynBytes bytes = encode_syn(syn);
  const std::string seg(bytes.data(), bytes.size());
  std::string pseudo = std::string(syn.source.view()) + std::string(syn.destination.view());
  pseudo += std::string("\0\0\0\x18\0\0\0\x06", 8);
  EXPECT_EQ(icmp::internet_checksum(pseudo + seg), 0);
}

TEST(SynSegmentTest, SynAckAndResetAreAnswers) {
  Segment s = parse_segment(answer(0x12, 1001), true);
  ASSERT_EQ(s.drop, SegmentDrop::kNone);
  EXPECT_EQ(s.kind, SegmentKind::kSynAck);
  EXPECT_EQ(s.source, v4(192, 0, 2, 7));
  EXPECT_EQ(s.source_port, 80);
  EXPECT_EQ(s.destination_port, 40000);
  EXPECT_EQ(s.acknowledged, 1001u);
  s = parse_segment(answer(0x14, 5, false), false);
  ASSERT_EQ(s.drop, SegmentDrop::kNone);
  EXPECT_EQ(s.kind, SegmentKind::kReset);
  EXPECT_TRUE(s.source.v6);
}

TEST(SynSegmentTest, EverythingElseIsACountedDrop) {
  EXPECT_EQ(parse_segment(answer(0x02, 0), true).drop, SegmentDrop::kNotAnAnswer);  // a SYN
  EXPECT_EQ(parse_segment(answer(0x10, 0), true).drop, SegmentDrop::kNotAnAnswer);  // bare ACK
  EXPECT_EQ(parse_segment(answer(0x04, 0), true).drop, SegmentDrop::kNotAnAnswer);  // RST, no ACK
  EXPECT_EQ(parse_segment(answer(0x13, 0), true).drop, SegmentDrop::kNotAnAnswer);  // +FIN
  EXPECT_EQ(parse_segment(answer(0x12, 0).substr(0, 30), true).drop, SegmentDrop::kShort);
  EXPECT_EQ(parse_segment("", false).drop, SegmentDrop::kShort);
  std::string v6header = answer(0x12, 0);
  v6header[0] = 0x65;
  EXPECT_EQ(parse_segment(v6header, true).drop, SegmentDrop::kNotIpv4);
  std::string fragment = answer(0x12, 0);
  fragment[7] = 1;
  EXPECT_EQ(parse_segment(fragment, true).drop, SegmentDrop::kFragment);
  std::string udp = answer(0x12, 0);
  udp[9] = 17;
  EXPECT_EQ(parse_segment(udp, true).drop, SegmentDrop::kNotTcp);
  std::string ihl = answer(0x12, 0);
  ihl[0] = 0x4F;  // 60-byte header in a 40-byte packet
  EXPECT_EQ(parse_segment(ihl, true).drop, SegmentDrop::kBadOffset);
  std::string offset = answer(0x12, 0);
  offset[32] = 0x20;  // TCP data offset of 2 words
  EXPECT_EQ(parse_segment(offset, true).drop, SegmentDrop::kBadOffset);
}

// Runs the classic BPF program the way the kernel would, for the handful of opcodes it uses.
uint32_t run_filter(const std::vector<sock_filter>& p, const std::string& pkt) {
  uint32_t a = 0, x = 0;
  auto at = [&](uint32_t i) -> uint32_t { return i < pkt.size() ? uint8_t(pkt[i]) : 0; };
  for (size_t pc = 0; pc < p.size(); ++pc) {
    const sock_filter& f = p[pc];
    switch (f.code) {
      case BPF_LD | BPF_H | BPF_ABS: a = at(f.k) << 8 | at(f.k + 1); break;
      case BPF_LD | BPF_H | BPF_IND: a = at(x + f.k) << 8 | at(x + f.k + 1); break;
      case BPF_LD | BPF_B | BPF_IND: a = at(x + f.k); break;
      case BPF_LD | BPF_IMM: a = f.k; break;
      case BPF_LDX | BPF_IMM: x = f.k; break;
      case BPF_LDX | BPF_B | BPF_MSH: x = (at(f.k) & 0xF) * 4; break;
      case BPF_JMP | BPF_JEQ | BPF_K: pc += a == f.k ? f.jt : f.jf; break;
      case BPF_JMP | BPF_JSET | BPF_K: pc += (a & f.k) ? f.jt : f.jf; break;
      case BPF_RET | BPF_K: return f.k;
      default: ADD_FAILURE() << "opcode " << f.code; return 0;
    }
  }
  ADD_FAILURE() << "fell off the program";
  return 0;
}

TEST(SynSegmentTest, FilterKeepsOnlyAnswersToOurPort) {
  const auto v4filter = answer_filter(true, 40000);
  EXPECT_GT(run_filter(v4filter, answer(0x12, 0)), 0u);
  EXPECT_GT(run_filter(v4filter, answer(0x14, 0)), 0u);
  EXPECT_EQ(run_filter(v4filter, answer(0x12, 0, true, 40001)), 0u);  // another port
  EXPECT_EQ(run_filter(v4filter, answer(0x10, 0)), 0u);               // a bare ACK
  std::string fragment = answer(0x12, 0);
  fragment[7] = 1;
  EXPECT_EQ(run_filter(v4filter, fragment), 0u);
  const auto v6filter = answer_filter(false, 40000);
  EXPECT_GT(run_filter(v6filter, answer(0x12, 0, false)), 0u);
  EXPECT_EQ(run_filter(v6filter, answer(0x12, 0, false, 9)), 0u);
}

}  // namespace
}  // namespace hadirector::checkers::tcp
