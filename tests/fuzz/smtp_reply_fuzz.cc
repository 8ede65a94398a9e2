// Fuzzes the SMTP reply parser with untrusted server bytes: it must never crash, a complete
// reply consumes no more than it was given and has a valid code and at most kMaxLines lines,
// and parsing what follows a reply terminates.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checkers/smtp/smtp_reply.h"
#include "daemon/core/result.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hadirector::checkers::smtp;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (;;) {
    auto parsed = parse_smtp_reply(rest);
    if (!parsed || !parsed->reply) return 0;
    HD_CHECK(parsed->consumed > 0 && parsed->consumed <= rest.size());
    HD_CHECK(parsed->reply->code >= 200 && parsed->reply->code <= 559);
    HD_CHECK(!parsed->reply->lines.empty() && parsed->reply->lines.size() <= kMaxLines);
    rest.remove_prefix(parsed->consumed);
  }
}
