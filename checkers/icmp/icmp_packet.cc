#include "checkers/icmp/icmp_packet.h"

namespace hadirector::checkers::icmp {

namespace {

constexpr size_t kIcmpHeader = 8;
constexpr size_t kIpv6Header = 40;

uint8_t byte(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }
uint16_t u16(std::string_view b, size_t i) {
  return static_cast<uint16_t>(byte(b, i) << 8 | byte(b, i + 1));
}

// The IPv4 header length from its IHL field, or 0 when `bytes` is not a plausible IPv4 header.
size_t ipv4_header_length(std::string_view bytes) {
  if (bytes.size() < 20 || byte(bytes, 0) >> 4 != 4) return 0;
  const size_t length = (byte(bytes, 0) & 0x0F) * 4u;
  return length >= 20 && length <= bytes.size() ? length : 0;
}

// The ICMP message inside `datagram`, or empty when there is none.
std::string_view icmp_part(std::string_view datagram, bool with_ip_header) {
  if (!with_ip_header) return datagram;
  const size_t header = ipv4_header_length(datagram);
  return header == 0 ? std::string_view{} : datagram.substr(header);
}

bool echo_matches(std::string_view icmp, const EchoExpectation& e) {
  return icmp.size() >= kIcmpHeader && (!e.match_identifier || u16(icmp, 4) == e.identifier) &&
         u16(icmp, 6) == e.sequence;
}

// RFC 792 / RFC 4443 §3: an error carries as much of the offending packet as fits, at least
// its IP header and the first 8 octets of our echo request.
bool quotes_our_request(std::string_view icmp, const EchoExpectation& e) {
  std::string_view quoted = icmp.substr(kIcmpHeader);
  if (e.v6) {
    if (quoted.size() < kIpv6Header || byte(quoted, 0) >> 4 != 6) return false;
    quoted.remove_prefix(kIpv6Header);
  } else {
    const size_t header = ipv4_header_length(quoted);
    if (header == 0) return false;
    quoted.remove_prefix(header);
  }
  const uint8_t request = e.v6 ? kEchoRequestV6 : kEchoRequestV4;
  return quoted.size() >= kIcmpHeader && byte(quoted, 0) == request && echo_matches(quoted, e);
}

}  // namespace

uint16_t internet_checksum(std::string_view bytes) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) sum += u16(bytes, i);
  if (bytes.size() % 2) sum += static_cast<uint32_t>(byte(bytes, bytes.size() - 1)) << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

std::string encode_echo_request(bool v6, uint16_t identifier, uint16_t sequence,
                                std::string_view payload) {
  std::string out(kIcmpHeader, '\0');
  out[0] = static_cast<char>(v6 ? kEchoRequestV6 : kEchoRequestV4);
  out[4] = static_cast<char>(identifier >> 8);
  out[5] = static_cast<char>(identifier & 0xFF);
  out[6] = static_cast<char>(sequence >> 8);
  out[7] = static_cast<char>(sequence & 0xFF);
  out.append(payload);
  if (!v6) {
    const uint16_t sum = internet_checksum(out);
    out[2] = static_cast<char>(sum >> 8);
    out[3] = static_cast<char>(sum & 0xFF);
  }
  return out;
}

IcmpMatch classify_icmp(std::string_view datagram, const EchoExpectation& e) {
  const std::string_view icmp = icmp_part(datagram, e.with_ip_header);
  if (icmp.size() < kIcmpHeader) return {};
  const uint8_t type = byte(icmp, 0);
  const uint8_t code = byte(icmp, 1);
  const uint8_t reply = e.v6 ? kEchoReplyV6 : kEchoReplyV4;
  if (type == reply) {
    if (code == 0 && echo_matches(icmp, e) && icmp.substr(kIcmpHeader) == e.payload)
      return {IcmpVerdict::kEchoReply, type, code};
    return {};
  }
  const uint8_t unreachable = e.v6 ? kDestUnreachableV6 : kDestUnreachableV4;
  const uint8_t exceeded = e.v6 ? kTimeExceededV6 : kTimeExceededV4;
  if ((type == unreachable || type == exceeded) && quotes_our_request(icmp, e))
    return {type == unreachable ? IcmpVerdict::kUnreachable : IcmpVerdict::kTimeExceeded, type,
            code};
  return {};
}

}  // namespace hadirector::checkers::icmp
