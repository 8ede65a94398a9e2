// Fuzzes the DNS message parser with untrusted server bytes: it must never crash or loop, a
// parsed message never holds more answers than its header announced, names stay within 255
// octets of wire length, and every answer can be matched against an expectation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checkers/dns/dns_message.h"
#include "daemon/core/result.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hadirector::checkers::dns;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto message = parse_message(bytes);
  if (!message) return 0;
  HD_CHECK(size >= 12);
  const size_t announced = static_cast<size_t>(data[6]) << 8 | data[7];
  HD_CHECK(message->answers.size() == announced);
  for (const auto& record : message->answers) {
    // Escaped presentation text is at most 4 characters per octet of a 255-octet name.
    HD_CHECK(record.name.size() <= 4 * kMaxNameWire);
    (void)record_matches(record, "192.0.2.1");
    (void)record_matches(record, "example.org");
  }
  return 0;
}
