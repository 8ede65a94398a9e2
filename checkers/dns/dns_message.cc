#include "checkers/dns/dns_message.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace hadirector::checkers::dns {

namespace {

constexpr std::array<std::pair<std::string_view, uint16_t>, 9> kTypes{{{"A", 1},
                                                                       {"NS", 2},
                                                                       {"CNAME", 5},
                                                                       {"SOA", 6},
                                                                       {"PTR", 12},
                                                                       {"MX", 15},
                                                                       {"TXT", 16},
                                                                       {"AAAA", 28},
                                                                       {"SRV", 33}}};
constexpr std::array<std::string_view, 11> kRcodes{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                                   "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                                   "NXRRSET", "NOTAUTH", "NOTZONE"};
// More pointers than a 255-octet name has labels can only be a loop or an attack.
constexpr int kMaxPointers = 127;
constexpr size_t kHeaderSize = 12;

std::unexpected<core::Error> malformed(std::string what) {
  return core::fail(core::Errc::kProtocol, std::move(what));
}

std::unexpected<core::Error> truncated(size_t offset) {
  return malformed("truncated at offset " + std::to_string(offset));
}

std::string_view trim_dot(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  return name;
}

// The bytes of a message and a read position; every read checks the bounds first.
struct Cursor {
  std::string_view msg;
  size_t pos = 0;

  bool has(size_t n) const { return pos <= msg.size() && msg.size() - pos >= n; }
  uint8_t u8_at(size_t at) const { return static_cast<uint8_t>(msg[at]); }
  core::Result<uint16_t> u16() {
    if (!has(2)) return truncated(pos);
    const uint16_t v = static_cast<uint16_t>(u8_at(pos) << 8 | u8_at(pos + 1));
    pos += 2;
    return v;
  }
  core::Result<uint32_t> u32() {
    auto high = u16();
    if (!high) return std::unexpected(high.error());
    auto low = u16();
    if (!low) return std::unexpected(low.error());
    return static_cast<uint32_t>(*high) << 16 | *low;
  }
};

void append_label(std::string_view label, std::string& out) {
  if (!out.empty()) out += '.';
  for (unsigned char c : label) {
    if (c == '.' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c <= 0x20 || c >= 0x7f) {
      // RFC 1035 §5.1 \DDD escape keeps odd bytes visible and unambiguous.
      out += '\\';
      out += static_cast<char>('0' + c / 100);
      out += static_cast<char>('0' + c / 10 % 10);
      out += static_cast<char>('0' + c % 10);
    } else {
      out += static_cast<char>(c);
    }
  }
}

// RFC 1035 §4.1.4: labels, possibly ending in a pointer to an earlier name. Every pointer must
// point strictly before itself, so following them always terminates.
core::Result<std::string> read_name(Cursor& cur) {
  std::string out;
  size_t at = cur.pos;
  size_t wire = 1;  // the root label
  int pointers = 0;
  bool jumped = false;
  for (;;) {
    if (at >= cur.msg.size()) return truncated(at);
    const uint8_t len = cur.u8_at(at);
    if ((len & 0xC0) == 0xC0) {
      if (at + 1 >= cur.msg.size()) return truncated(at + 1);
      const size_t target = static_cast<size_t>(len & 0x3F) << 8 | cur.u8_at(at + 1);
      if (target >= at || ++pointers > kMaxPointers)
        return malformed("compression pointer loop at offset " + std::to_string(at));
      if (!jumped) cur.pos = at + 2;
      jumped = true;
      at = target;
      continue;
    }
    if (len & 0xC0) return malformed("reserved label type at offset " + std::to_string(at));
    if (len == 0) break;
    if (at + 1 + len > cur.msg.size()) return truncated(at);
    wire += 1 + len;
    if (wire > kMaxNameWire) return malformed("name longer than 255 octets");
    append_label(cur.msg.substr(at + 1, len), out);
    at += 1 + len;
  }
  if (!jumped) cur.pos = at + 1;
  return out.empty() ? std::string(".") : out;
}

std::string hex_rdata(std::string_view rdata) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\# " + std::to_string(rdata.size());
  if (!rdata.empty()) out += ' ';
  for (unsigned char c : rdata) out += {kHex[c >> 4], kHex[c & 15]};
  return out;
}

std::string address_text(int family, std::string_view bytes) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes.data(), text, sizeof text);
  return text;
}

core::Status decode_txt(std::string_view rdata, Record& record) {
  size_t at = 0;
  if (rdata.empty()) return malformed("TXT record without a string");
  while (at < rdata.size()) {
    const size_t len = static_cast<uint8_t>(rdata[at]);
    if (at + 1 + len > rdata.size()) return malformed("TXT string overruns its record");
    record.data.append(rdata.substr(at + 1, len));
    at += 1 + len;
  }
  return {};
}

// Appends `count` numbers of `width` octets (2 or 4), each followed by a space.
core::Status read_numbers(Cursor& cur, int count, int width, std::string& out) {
  for (int i = 0; i < count; ++i) {
    if (!cur.has(width)) return truncated(cur.pos);
    out += std::to_string(width == 2 ? *cur.u16() : *cur.u32()) + " ";
  }
  return {};
}

// NS, CNAME, PTR: a name; MX: preference, name; SRV: priority, weight, port, name; SOA: two
// names and five 32-bit numbers (RFC 1035 §3.3, RFC 2782).
core::Status decode_named_rdata(Cursor& cur, Record& record) {
  std::string prefix;
  if (record.type == 15 || record.type == 33)
    if (auto st = read_numbers(cur, record.type == 15 ? 1 : 3, 2, prefix); !st) return st;
  auto target = read_name(cur);
  if (!target) return std::unexpected(target.error());
  record.target = *target;
  record.data = prefix + *target;
  if (record.type != 6) return {};
  auto rname = read_name(cur);
  if (!rname) return std::unexpected(rname.error());
  record.data += " " + *rname + " ";
  if (auto st = read_numbers(cur, 5, 4, record.data); !st) return st;
  record.data.pop_back();
  return {};
}

// Decodes `rdlength` octets of RDATA at cur.pos. The cursor sees the message only up to the
// end of the RDATA, so a name inside may point back anywhere but cannot run past its record.
core::Status decode_rdata(const Cursor& outer, size_t rdlength, Record& record) {
  Cursor cur{outer.msg.substr(0, outer.pos + rdlength), outer.pos};
  const std::string_view rdata = cur.msg.substr(cur.pos);
  switch (record.type) {
    case 1:
    case 28: {
      const size_t want = record.type == 1 ? 4 : 16;
      if (rdlength != want) return malformed(type_name(record.type) + " record of wrong length");
      record.data = address_text(record.type == 1 ? AF_INET : AF_INET6, rdata);
      return {};
    }
    case 16:
      return decode_txt(rdata, record);
    case 2:
    case 5:
    case 6:
    case 12:
    case 15:
    case 33:
      if (auto st = decode_named_rdata(cur, record); !st) return st;
      if (cur.pos != cur.msg.size())
        return malformed(type_name(record.type) + " record with trailing bytes");
      return {};
    default:
      record.data = hex_rdata(rdata);
      return {};
  }
}

core::Result<Record> read_record(Cursor& cur) {
  Record record;
  auto owner = read_name(cur);
  if (!owner) return std::unexpected(owner.error());
  record.name = std::move(*owner);
  auto type = cur.u16();
  auto rclass = cur.u16();
  auto ttl = cur.u32();
  auto rdlength = cur.u16();
  if (!type || !rclass || !ttl || !rdlength) return truncated(cur.pos);
  record.type = *type;
  record.rclass = *rclass;
  record.ttl = *ttl;
  if (!cur.has(*rdlength)) return truncated(cur.pos);
  if (auto st = decode_rdata(cur, *rdlength, record); !st) return std::unexpected(st.error());
  cur.pos += *rdlength;
  return record;
}

}  // namespace

std::optional<uint16_t> type_from_name(std::string_view name) {
  for (const auto& [text, value] : kTypes)
    if (text == name) return value;
  return std::nullopt;
}

std::string type_name(uint16_t type) {
  for (const auto& [text, value] : kTypes)
    if (value == type) return std::string(text);
  return "TYPE" + std::to_string(type);
}

std::optional<uint8_t> rcode_from_name(std::string_view name) {
  for (size_t i = 0; i < kRcodes.size(); ++i)
    if (kRcodes[i] == name) return static_cast<uint8_t>(i);
  return std::nullopt;
}

std::string rcode_name(uint8_t rcode) {
  if (rcode < kRcodes.size()) return std::string(kRcodes[rcode]);
  return "RCODE" + std::to_string(rcode);
}

core::Status validate_name(std::string_view name) {
  if (name.empty()) return core::fail(core::Errc::kInvalid, "empty domain name");
  if (name == ".") return {};
  if (name.back() == '.') name.remove_suffix(1);
  size_t wire = 1;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    const size_t len = dot - start;
    if (len == 0)
      return core::fail(core::Errc::kInvalid, "empty label in '" + std::string(name) + "'");
    if (len > kMaxLabel)
      return core::fail(core::Errc::kInvalid, "label longer than 63 octets in domain name");
    wire += 1 + len;
    start = dot + 1;
  }
  if (wire > kMaxNameWire)
    return core::fail(core::Errc::kInvalid, "domain name longer than 255 octets");
  return {};
}

core::Result<std::string> encode_query(uint16_t id, const Question& question) {
  if (auto st = validate_name(question.name); !st) return std::unexpected(st.error());
  std::string out;
  auto put16 = [&out](uint16_t v) {
    out += static_cast<char>(v >> 8);
    out += static_cast<char>(v & 0xFF);
  };
  put16(id);
  put16(0x0100);  // QR=0, OPCODE=QUERY, RD=1
  put16(1);       // QDCOUNT
  put16(0);
  put16(0);
  put16(0);
  std::string_view name = trim_dot(question.name);
  if (name != ".") {
    size_t start = 0;
    while (start <= name.size()) {
      size_t dot = std::min(name.find('.', start), name.size());
      out += static_cast<char>(dot - start);
      out.append(name.substr(start, dot - start));
      start = dot + 1;
    }
  }
  out += '\0';
  put16(question.type);
  put16(question.qclass);
  return out;
}

core::Result<Message> parse_message(std::string_view bytes) {
  Cursor cur{bytes, 0};
  if (bytes.size() < kHeaderSize) return truncated(bytes.size());
  Message m;
  m.id = *cur.u16();
  const uint16_t flags = *cur.u16();
  m.response = flags & 0x8000;
  m.opcode = (flags >> 11) & 0xF;
  m.authoritative = flags & 0x0400;
  m.truncated = flags & 0x0200;
  m.recursion_desired = flags & 0x0100;
  m.recursion_available = flags & 0x0080;
  m.rcode = flags & 0xF;
  const uint16_t qdcount = *cur.u16();
  const uint16_t ancount = *cur.u16();
  m.authority_count = *cur.u16();
  m.additional_count = *cur.u16();
  for (uint16_t i = 0; i < qdcount; ++i) {
    auto name = read_name(cur);
    if (!name) return std::unexpected(name.error());
    auto type = cur.u16();
    auto qclass = cur.u16();
    if (!type || !qclass) return truncated(cur.pos);
    m.questions.push_back(Question{std::move(*name), *type, *qclass});
  }
  const size_t records = size_t{ancount} + m.authority_count + m.additional_count;
  for (size_t i = 0; i < records; ++i) {
    auto record = read_record(cur);
    if (!record) return std::unexpected(record.error());
    if (i < ancount) m.answers.push_back(std::move(*record));
  }
  if (cur.pos != bytes.size())
    return malformed(std::to_string(bytes.size() - cur.pos) + " bytes after the last record");
  return m;
}

bool same_name(std::string_view a, std::string_view b) {
  a = trim_dot(a);
  b = trim_dot(b);
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool record_matches(const Record& record, std::string_view expected) {
  if (record.type == 1 || record.type == 28) {
    const int family = record.type == 1 ? AF_INET : AF_INET6;
    std::array<unsigned char, 16> a{}, b{};
    const std::string want(expected);
    return inet_pton(family, want.c_str(), a.data()) == 1 &&
           inet_pton(family, record.data.c_str(), b.data()) == 1 && a == b;
  }
  if (record.type == 16) return record.data.find(expected) != std::string::npos;
  if (record.target && same_name(*record.target, expected)) return true;
  return same_name(record.data, expected);
}

}  // namespace hadirector::checkers::dns
