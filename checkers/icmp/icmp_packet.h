// ICMP and ICMPv6 echo messages for the icmp health check (RFC 792, RFC 4443 §4): builds an
// echo request and classifies a received datagram as our echo reply, an error quoting our
// request (destination unreachable, time exceeded) or something to ignore. Pure; knows nothing
// about sockets beyond whether the kernel hands over the IPv4 header (raw IPv4 sockets do).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hadirector::checkers::icmp {

inline constexpr uint8_t kEchoReplyV4 = 0;
inline constexpr uint8_t kDestUnreachableV4 = 3;
inline constexpr uint8_t kEchoRequestV4 = 8;
inline constexpr uint8_t kTimeExceededV4 = 11;
inline constexpr uint8_t kDestUnreachableV6 = 1;
inline constexpr uint8_t kTimeExceededV6 = 3;
inline constexpr uint8_t kEchoRequestV6 = 128;
inline constexpr uint8_t kEchoReplyV6 = 129;

// RFC 1071 one's-complement sum over `bytes`, as stored in the checksum field.
uint16_t internet_checksum(std::string_view bytes);

// Type, code 0, checksum, identifier, sequence, payload. The checksum is filled for ICMPv4; for
// ICMPv6 it covers a pseudo-header (RFC 4443 §2.3) and the kernel fills it, so it stays 0.
std::string encode_echo_request(bool v6, uint16_t identifier, uint16_t sequence,
                                std::string_view payload);

struct EchoExpectation {
  bool v6 = false;
  bool with_ip_header = false;   // raw IPv4 sockets deliver the IPv4 header first
  bool match_identifier = true;  // false on ping sockets: the kernel owns and filters the id
  uint16_t identifier = 0;
  uint16_t sequence = 0;
  std::string_view payload;
};

enum class IcmpVerdict { kIgnore, kEchoReply, kUnreachable, kTimeExceeded };

struct IcmpMatch {
  IcmpVerdict verdict = IcmpVerdict::kIgnore;
  uint8_t type = 0;
  uint8_t code = 0;
};

// kEchoReply only for a reply with our identifier, sequence and payload; kUnreachable and
// kTimeExceeded only for an error that quotes our request. Everything else (our own request
// looped back to a raw socket, other hosts' traffic, short or damaged packets) is kIgnore.
IcmpMatch classify_icmp(std::string_view datagram, const EchoExpectation& expected);

}  // namespace hadirector::checkers::icmp
