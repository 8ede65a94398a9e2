// DNS wire format for the dns health check (RFC 1035 §4): builds one query and parses a
// response into header, questions and decoded answer records (A, AAAA, CNAME, MX, TXT, NS, SOA,
// PTR, SRV; others as RFC 3597 "\# len hex"). Pure and strict: every read is bounds-checked
// and compression pointers may only point backwards, so a crafted message cannot loop. It is
// not a resolver: no EDNS, no DNSSEC, no caching.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/result.h"

namespace hadirector::checkers::dns {

inline constexpr uint16_t kClassIn = 1;
// RFC 1035 §2.3.4: 255 octets for a name on the wire, 63 for a label.
inline constexpr size_t kMaxNameWire = 255;
inline constexpr size_t kMaxLabel = 63;

// "A" -> 1 ... for the types the check supports; nullopt for others.
std::optional<uint16_t> type_from_name(std::string_view name);
// 1 -> "A"; unknown types as "TYPE65".
std::string type_name(uint16_t type);
// "NOERROR" -> 0 ... "NOTZONE" -> 10 (RFC 1035 §4.1.1, RFC 2136 §2.2).
std::optional<uint8_t> rcode_from_name(std::string_view name);
// 3 -> "NXDOMAIN"; unknown codes as "RCODE12".
std::string rcode_name(uint8_t rcode);

// "www.example.org" or "www.example.org." -> ok; empty labels, labels over 63 octets or names
// over 255 octets on the wire are errors (kInvalid). "." is the root.
core::Status validate_name(std::string_view name);

struct Question {
  std::string name;  // dotted, no trailing dot; "." for the root
  uint16_t type = 1;
  uint16_t qclass = kClassIn;
};

// A query with one question, RD set (RFC 1035 §4.1.1). Fails on a name validate_name rejects.
core::Result<std::string> encode_query(uint16_t id, const Question& question);

struct Record {
  std::string name;
  uint16_t type = 0;
  uint16_t rclass = 0;
  uint32_t ttl = 0;
  // Presentation text of the RDATA: "192.0.2.1", "10 mail.example.org", "v=spf1 -all"
  // (TXT strings joined), "\# 2 abcd" for unknown types.
  std::string data;
  // The domain name inside the RDATA (NS, CNAME, PTR, MX exchange, SRV target, SOA mname).
  std::optional<std::string> target;
};

struct Message {
  uint16_t id = 0;
  bool response = false;
  uint8_t opcode = 0;
  bool authoritative = false;
  bool truncated = false;
  bool recursion_desired = false;
  bool recursion_available = false;
  uint8_t rcode = 0;
  std::vector<Question> questions;
  std::vector<Record> answers;
  uint16_t authority_count = 0;
  uint16_t additional_count = 0;
};

// Parses a whole message; trailing bytes after the last record are an error. Fails with
// kProtocol and a reason ("truncated at offset 17", "compression pointer loop").
core::Result<Message> parse_message(std::string_view bytes);

// True when `record` carries `expected`: an equal address (A/AAAA, compared as addresses), an
// equal domain name (case-insensitive, trailing dot ignored) as the record's target or owner
// data, or, for TXT, text containing `expected`.
bool record_matches(const Record& record, std::string_view expected);

// Case-insensitive comparison of two dotted names, ignoring one trailing dot on either.
bool same_name(std::string_view a, std::string_view b);

}  // namespace hadirector::checkers::dns
