#include "checkers/http/http_response.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace hadirector::checkers::http {

namespace {

ParseOutcome need_more() { return ParseOutcome{}; }
ParseOutcome error(std::string message) {
  return ParseOutcome{ParseStatus::kError, {}, std::move(message)};
}

// Finds the end of the line starting at `pos`; returns the line (without CR LF or LF) and moves
// `pos` past it, or nullopt when the line is not complete yet.
std::optional<std::string_view> next_line(std::string_view data, size_t& pos) {
  const size_t nl = data.find('\n', pos);
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view line = data.substr(pos, nl - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos = nl + 1;
  return line;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 9112 §4: HTTP-version SP status-code SP [reason-phrase].
bool parse_status_line(std::string_view line, HttpResponse& out, bool& http10) {
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') return false;
  if (!std::isdigit(static_cast<unsigned char>(line[7]))) return false;
  std::string_view code = line.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  if (line.size() > 12 && line[12] != ' ') return false;
  out.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  http10 = line[7] == '0';
  out.reason = std::string(line.size() > 13 ? line.substr(13) : std::string_view());
  return out.status >= 100;
}

bool parse_header(std::string_view line, HttpResponse& out) {
  const size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  std::string_view name = line.substr(0, colon);
  if (name.find_first_of(" \t") != std::string_view::npos) return false;
  out.headers.emplace_back(lower(name), std::string(trim(line.substr(colon + 1))));
  return true;
}

const std::string* header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return &v;
  return nullptr;
}

// RFC 9112 §9.3: HTTP/1.1 persists unless `close` is among the Connection options; HTTP/1.0
// only with `keep-alive` among them.
bool persistent(const HttpResponse& r, bool http10) {
  bool close = false, keep = false;
  for (const auto& [k, v] : r.headers) {
    if (k != "connection") continue;
    const std::string options = lower(v);
    size_t pos = 0;
    while (pos <= options.size()) {
      const size_t comma = std::min(options.find(',', pos), options.size());
      const std::string_view token = trim(std::string_view(options).substr(pos, comma - pos));
      close = close || token == "close";
      keep = keep || token == "keep-alive";
      pos = comma + 1;
    }
  }
  return !close && (!http10 || keep);
}

// A complete response ending at `end` of `data`, framed by its length (not by the close).
ParseOutcome framed(HttpResponse r, size_t end, std::string_view data) {
  r.keep_alive = !r.body_truncated && end == data.size();
  return ParseOutcome{ParseStatus::kComplete, std::move(r), {}};
}

void append_capped(HttpResponse& r, std::string_view bytes, size_t cap) {
  const size_t room = cap - std::min(cap, r.body.size());
  r.body.append(bytes.substr(0, room));
  if (bytes.size() > room) r.body_truncated = true;
}

// RFC 9112 §7.1: chunk-size [chunk-ext] CRLF chunk-data CRLF ... last-chunk trailers CRLF.
ParseOutcome parse_chunked(std::string_view data, size_t pos, bool eof, HttpResponse r,
                           size_t max_body) {
  for (;;) {
    auto size_line = next_line(data, pos);
    if (!size_line) break;
    std::string_view hex = trim(size_line->substr(0, size_line->find(';')));
    uint64_t size = 0;
    auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
    if (hex.empty() || ec != std::errc() || end != hex.data() + hex.size())
      return error("bad chunk size");
    if (size == 0) {
      for (;;) {  // trailer section, ignored, up to the empty line
        auto trailer = next_line(data, pos);
        if (!trailer) return eof ? error("truncated chunked trailer") : need_more();
        if (trailer->empty()) return framed(std::move(r), pos, data);
      }
    }
    const size_t available = data.size() - pos;
    if (available < size) {
      append_capped(r, data.substr(pos), max_body);
      if (r.body_truncated) return ParseOutcome{ParseStatus::kComplete, std::move(r), {}};
      break;
    }
    append_capped(r, data.substr(pos, size), max_body);
    if (r.body_truncated) return ParseOutcome{ParseStatus::kComplete, std::move(r), {}};
    pos += size;
    auto crlf = next_line(data, pos);
    if (!crlf) break;
    if (!crlf->empty()) return error("missing CRLF after chunk data");
  }
  return eof ? error("truncated chunked body") : need_more();
}

ParseOutcome parse_body(std::string_view data, size_t pos, bool eof, HttpResponse r,
                        const ParseOptions& options) {
  const bool no_body = options.head_request || r.status == 204 || r.status == 304;
  if (no_body) return framed(std::move(r), pos, data);
  if (const std::string* te = header(r, "transfer-encoding")) {
    if (lower(*te).find("chunked") == std::string::npos)
      return error("unsupported transfer-encoding '" + *te + "'");
    return parse_chunked(data, pos, eof, std::move(r), options.max_body);
  }
  std::string_view rest = data.substr(pos);
  if (const std::string* cl = header(r, "content-length")) {
    uint64_t length = 0;
    auto [end, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), length);
    if (cl->empty() || ec != std::errc() || end != cl->data() + cl->size())
      return error("bad content-length '" + *cl + "'");
    if (rest.size() < length && rest.size() < options.max_body)
      return eof ? error("truncated body") : need_more();
    append_capped(r, rest.substr(0, std::min<uint64_t>(length, rest.size())), options.max_body);
    if (length > options.max_body) r.body_truncated = true;
    return framed(std::move(r), pos + std::min<uint64_t>(length, rest.size()), data);
  }
  // No framing: the body runs to the connection's close (RFC 9112 §6.3 rule 8).
  append_capped(r, rest, options.max_body);
  if (eof || r.body_truncated) return ParseOutcome{ParseStatus::kComplete, std::move(r), {}};
  return need_more();
}

}  // namespace

ParseOutcome parse_http_response(std::string_view data, bool eof, const ParseOptions& options) {
  size_t pos = 0;
  for (;;) {
    HttpResponse r;
    r.headers.reserve(8);  // a typical response's: one allocation instead of growing 1, 2, 4
    bool http10 = false;
    auto status_line = next_line(data, pos);
    if (!status_line) {
      if (data.size() - pos > options.max_header) return error("status line too long");
      return eof ? error("connection closed before the status line") : need_more();
    }
    if (!parse_status_line(*status_line, r, http10)) return error("bad status line");
    for (;;) {
      auto line = next_line(data, pos);
      if (pos > options.max_header || (!line && data.size() > options.max_header))
        return error("headers too large");
      if (!line) return eof ? error("connection closed inside the headers") : need_more();
      if (line->empty()) break;
      if (!parse_header(*line, r)) return error("bad header line");
    }
    // 1xx responses are interim (RFC 9110 §15.2): the final response follows them.
    if (r.status >= 200 || r.status == 101) {
      ParseOutcome out = parse_body(data, pos, eof, std::move(r), options);
      // A closed connection, a protocol switch or a close requested carries nothing more.
      HttpResponse& done = out.response;
      done.keep_alive = done.keep_alive && !eof && done.status != 101 && persistent(done, http10);
      return out;
    }
  }
}

}  // namespace hadirector::checkers::http
