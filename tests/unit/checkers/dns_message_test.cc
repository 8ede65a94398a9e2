// The DNS message builder and parser: golden byte fixtures, every truncation of a response,
// compression loops and forward pointers, and how answers are matched against expectations.
#include "checkers/dns/dns_message.h"

#include <gtest/gtest.h>

namespace hadirector::checkers::dns {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

const std::string kExampleOrg = bytes({7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0});

// Query id 0x1234 for example.org A, then a response with two answers that point back at the
// question's name (offset 12): A 192.0.2.1 and MX 10 mail.example.org.
std::string golden_response() {
  return bytes({0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0}) + kExampleOrg +
         bytes({0, 1, 0, 1}) + bytes({0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2C, 0, 4, 192, 0, 2, 1}) +
         bytes({0xC0, 12, 0,  15, 0,   1,   0,   0,   0x0E, 0x10, 0,
                9,    0,  10, 4,  'm', 'a', 'i', 'l', 0xC0, 12});
}

// A response header with one answer whose owner name is `name` (raw), type A.
std::string with_answer_name(const std::string& name) {
  return bytes({0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0}) + name +
         bytes({0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 192, 0, 2, 1});
}

TEST(DnsMessage, EncodesAQueryWithRecursionDesired) {
  auto query = encode_query(0x1234, Question{"example.org", 1, kClassIn});
  ASSERT_TRUE(query);
  EXPECT_EQ(*query, bytes({0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}) + kExampleOrg +
                        bytes({0, 1, 0, 1}));
}

TEST(DnsMessage, EncodesTheTrailingDotAndTheRootTheSameWayAsRfc1035) {
  EXPECT_EQ(encode_query(1, Question{"example.org.", 28, kClassIn}).value_or("a"),
            encode_query(1, Question{"example.org", 28, kClassIn}).value_or("b"));
  auto root = encode_query(1, Question{".", 2, kClassIn});
  ASSERT_TRUE(root);
  EXPECT_EQ(root->substr(12), bytes({0, 0, 2, 0, 1}));
}

TEST(DnsMessage, RejectsNamesWithEmptyOrOverlongLabels) {
  EXPECT_FALSE(validate_name(""));
  EXPECT_FALSE(validate_name("a..b"));
  EXPECT_FALSE(validate_name(".a"));
  // Built with append: g++ 12 warns falsely on std::string(n, c) + "...".
  EXPECT_FALSE(validate_name(std::string(64, 'a').append(".org")));
  EXPECT_TRUE(validate_name(std::string(63, 'a').append(".org")));
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name.append(60, 'a').append(".");
  EXPECT_FALSE(validate_name(long_name));
  EXPECT_TRUE(validate_name("_sip._tcp.example.org"));
}

TEST(DnsMessage, ParsesTheGoldenResponseFollowingCompressionPointers) {
  auto m = parse_message(golden_response());
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->id, 0x1234);
  EXPECT_TRUE(m->response);
  EXPECT_TRUE(m->recursion_available);
  EXPECT_EQ(m->rcode, 0);
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].name, "example.org");
  ASSERT_EQ(m->answers.size(), 2u);
  EXPECT_EQ(m->answers[0].name, "example.org");
  EXPECT_EQ(m->answers[0].ttl, 300u);
  EXPECT_EQ(m->answers[0].data, "192.0.2.1");
  EXPECT_EQ(m->answers[1].data, "10 mail.example.org");
  EXPECT_EQ(m->answers[1].target, "mail.example.org");
}

TEST(DnsMessage, DecodesAaaaTxtSoaSrvAndUnknownTypes) {
  const std::string rrs =
      bytes({0xC0, 12,   0, 28, 0, 1, 0, 0, 0, 1, 0, 16, 0x20, 0x01,
             0x0d, 0xb8, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,  0,    1}) +
      bytes({0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 1, 0, 7, 2, 'h', 'i', 3, 'y', 'o', 'u'}) +
      bytes({0xC0, 12, 0, 6, 0, 1, 0, 0, 0, 1, 0, 26, 0xC0, 12, 1, 'h', 0xC0, 12, 0,
             0,    0,  1, 0, 0, 0, 2, 0, 0, 0, 3, 0,  0,    0,  4, 0,   0,    0,  5}) +
      bytes({0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 1, 0, 8, 0, 1, 0, 2, 0, 53, 0xC0, 12}) +
      bytes({0xC0, 12, 0, 99, 0, 1, 0, 0, 0, 1, 0, 2, 0xAB, 0xCD});
  const std::string message =
      bytes({0, 7, 0x84, 0x03, 0, 1, 0, 5, 0, 0, 0, 0}) + kExampleOrg + bytes({0, 1, 0, 1}) + rrs;
  auto m = parse_message(message);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_TRUE(m->authoritative);
  EXPECT_EQ(rcode_name(m->rcode), "NXDOMAIN");
  ASSERT_EQ(m->answers.size(), 5u);
  EXPECT_EQ(m->answers[0].data, "2001:db8::1");
  EXPECT_EQ(m->answers[1].data, "hiyou");
  EXPECT_EQ(m->answers[2].data, "example.org h.example.org 1 2 3 4 5");
  EXPECT_EQ(m->answers[3].data, "1 2 53 example.org");
  EXPECT_EQ(m->answers[4].data, "\\# 2 abcd");
}

TEST(DnsMessage, EveryTruncationOfTheGoldenResponseIsAnError) {
  const std::string full = golden_response();
  for (size_t n = 0; n < full.size(); ++n)
    EXPECT_FALSE(parse_message(full.substr(0, n))) << "prefix of " << n << " bytes parsed";
}

TEST(DnsMessage, TrailingBytesAfterTheLastRecordAreAnError) {
  auto m = parse_message(golden_response() + "x");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message(), "1 bytes after the last record");
}

TEST(DnsMessage, APointerToItselfIsALoop) {
  auto m = parse_message(with_answer_name(bytes({0xC0, 12})));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message(), "compression pointer loop at offset 12");
}

TEST(DnsMessage, PointersThatChaseEachOtherAreALoop) {
  // Offset 12: label "a" then a pointer to 17; offset 17 points back to 12.
  const std::string message = bytes({0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0}) +
                              bytes({1, 'a', 0xC0, 17, 0, 0xC0, 12, 0, 1, 0, 1});
  auto m = parse_message(message);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("compression pointer loop"), std::string::npos);
}

TEST(DnsMessage, AForwardPointerIsRejected) {
  auto m = parse_message(with_answer_name(bytes({0xC0, 40})));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("compression pointer loop"), std::string::npos);
}

TEST(DnsMessage, ReservedLabelTypesAreRejected) {
  auto m = parse_message(with_answer_name(bytes({0x40, 0})));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message(), "reserved label type at offset 12");
}

TEST(DnsMessage, ANameOver255OctetsThroughPointersIsRejected) {
  // Five questions; each name is one 60-octet label and a pointer to the previous name, so the
  // fourth is 245 octets long (fine) and the fifth 306 (too long).
  std::string message = bytes({0, 1, 0x81, 0x80, 0, 5, 0, 0, 0, 0, 0, 0});
  size_t previous = 0;
  for (int i = 0; i < 5; ++i) {
    const size_t here = message.size();
    message += static_cast<char>(60) + std::string(60, 'a');
    message += i == 0 ? std::string(1, '\0') : bytes({0xC0, static_cast<int>(previous)});
    message += bytes({0, 1, 0, 1});
    previous = here;
  }
  auto m = parse_message(message);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message(), "name longer than 255 octets");
  message[5] = 4;                        // only the first four questions
  EXPECT_FALSE(parse_message(message));  // now the fifth is trailing bytes
  message.resize(message.size() - 2 - 61 - 4);
  auto four = parse_message(message);
  ASSERT_TRUE(four) << four.error().message();
  EXPECT_EQ(four->questions[3].name.size(), 4u * 61 - 1);
}

TEST(DnsMessage, AnAddressRecordOfTheWrongLengthIsAnError) {
  std::string message = with_answer_name(std::string(1, '\0'));
  message[message.size() - 5] = 3;  // rdlength 4 -> 3, and one byte too many follows
  EXPECT_FALSE(parse_message(message));
}

TEST(DnsMessage, ANameInsideRdataMayNotRunPastItsRecord) {
  // CNAME with rdlength 2 whose name "ab" (3 octets + root) spills into the next bytes.
  const std::string message = bytes({0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0}) +
                              bytes({0, 0, 5, 0, 1, 0, 0, 0, 1, 0, 2, 2, 'a', 'b', 0});
  EXPECT_FALSE(parse_message(message));
}

TEST(DnsMessage, RecordsMatchAddressesNamesAndTxtText) {
  Record aaaa{"x", 28, kClassIn, 0, "2001:db8::1", std::nullopt};
  EXPECT_TRUE(record_matches(aaaa, "2001:0db8:0:0::1"));
  EXPECT_FALSE(record_matches(aaaa, "2001:db8::2"));
  Record a{"x", 1, kClassIn, 0, "192.0.2.1", std::nullopt};
  EXPECT_FALSE(record_matches(a, "192.0.2.10"));
  Record mx{"x", 15, kClassIn, 0, "10 Mail.Example.org", "Mail.Example.org"};
  EXPECT_TRUE(record_matches(mx, "mail.example.org."));
  EXPECT_TRUE(record_matches(mx, "10 mail.example.org"));
  EXPECT_FALSE(record_matches(mx, "example.org"));
  Record txt{"x", 16, kClassIn, 0, "v=spf1 -all", std::nullopt};
  EXPECT_TRUE(record_matches(txt, "spf1"));
}

TEST(DnsMessage, NamesTypesAndResponseCodes) {
  EXPECT_EQ(type_from_name("SRV"), 33);
  EXPECT_FALSE(type_from_name("ANY"));
  EXPECT_EQ(type_name(65), "TYPE65");
  EXPECT_EQ(rcode_from_name("SERVFAIL"), 2);
  EXPECT_EQ(rcode_name(12), "RCODE12");
}

}  // namespace
}  // namespace hadirector::checkers::dns
