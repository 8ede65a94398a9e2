// A small HTTP/1.1 response parser for health checks: status line, headers, and a body framed
// by Content-Length, chunked transfer coding or connection close, capped (64 KiB by default)
// because a check only looks at the start of a body. Pure and re-entrant: it re-parses the
// bytes received so far. It says whether the connection may carry another request (keep-alive)
// but does no pipelining or decompression.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hadirector::checkers::http {

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  bool body_truncated = false;  // the body was longer than the cap; `body` holds its start
  // The connection may carry the next request: the response is persistent (HTTP/1.1 without
  // `Connection: close`, or HTTP/1.0 with `keep-alive`), framed by its length or chunks (not by
  // the close) and read whole, and nothing follows it.
  bool keep_alive = false;
};

struct ParseOptions {
  bool head_request = false;  // a response to HEAD has no body whatever its headers say
  size_t max_body = 64 * 1024;
  size_t max_header = 16 * 1024;
};

enum class ParseStatus { kNeedMore, kComplete, kError };

struct ParseOutcome {
  ParseStatus status = ParseStatus::kNeedMore;
  HttpResponse response;  // meaningful when kComplete
  std::string error;      // meaningful when kError
};

// `data` is everything received so far; `eof` says the peer closed the connection.
ParseOutcome parse_http_response(std::string_view data, bool eof, const ParseOptions& options = {});

}  // namespace hadirector::checkers::http
