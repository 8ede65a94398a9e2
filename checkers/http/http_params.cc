// Parsing and validation of http/https check keys, apart from the probe itself.
#include <strings.h>

#include <charconv>

#include "checkers/http/http_checker.h"
#include "checkers/param_reader.h"

namespace hadirector::checkers::http {

namespace {

bool has_line_break(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

std::optional<int> parse_code(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < 100 || value > 599) return std::nullopt;
  return value;
}

void parse_expect_status(ParamReader& reader, HttpParams& out) {
  if (!reader.node("expect_status")) return;
  out.expect_status.clear();
  for (const config::Node* item : reader.scalar_list("expect_status")) {
    const std::string& text = item->scalar;
    const size_t dash = text.find('-');
    auto low = parse_code(std::string_view(text).substr(0, dash));
    auto high =
        dash == std::string::npos ? low : parse_code(std::string_view(text).substr(dash + 1));
    if (!low || !high || *low > *high) {
      reader.error(item->mark,
                   "'expect_status' items are codes 100-599 or ranges like "
                   "'200-299', not '" +
                       text + "'");
      continue;
    }
    out.expect_status.push_back(StatusRange{*low, *high});
  }
}

void parse_tls(ParamReader& reader, HttpParams& out) {
  out.sni = reader.string("sni");
  out.tls.verify = reader.boolean("verify").value_or(true);
  out.tls.ca_file = reader.string("ca_file").value_or("");
  out.tls.client_cert = reader.string("client_cert").value_or("");
  out.tls.client_key = reader.string("client_key").value_or("");
  if (out.tls.client_cert.empty() != out.tls.client_key.empty()) {
    const config::Node* given =
        reader.node(out.tls.client_cert.empty() ? "client_key" : "client_cert");
    reader.error(given->mark, "'client_cert' and 'client_key' go together; give both");
  }
  if (!out.tls.verify && reader.node("ca_file"))
    reader.error(reader.node("ca_file")->mark, "'ca_file' has no effect with 'verify: false'");
}

void parse_keep_alive(ParamReader& reader, HttpParams& out) {
  out.keep_alive = reader.boolean("keep_alive").value_or(true);
  if (auto requests = reader.integer("keep_alive_requests", 1, 1000000)) {
    if (!out.keep_alive)
      reader.error(reader.node("keep_alive_requests")->mark,
                   "'keep_alive_requests' has no effect with 'keep_alive: false'");
    out.keep_alive_requests = static_cast<unsigned>(*requests);
  }
  // A Connection header of the operator's own decides the connection's fate; ours would
  // contradict it.
  for (const auto& [name, value] : out.headers)
    if (strcasecmp(name.c_str(), "connection") == 0)
      reader.error(reader.node("headers")->mark,
                   "the 'Connection' header is set by the check; use 'keep_alive' instead");
}

}  // namespace

HttpParams parse_http_params(const config::Node& params, bool tls,
                             std::vector<config::ConfigError>& errors) {
  ParamReader reader(tls ? "https check" : "http check", params);
  HttpParams out;
  if (auto method = reader.string("method")) {
    if (*method == "GET" || *method == "HEAD")
      out.method = *method;
    else
      reader.error(reader.node("method")->mark,
                   "'method' must be GET or HEAD, not '" + *method + "'");
  }
  if (auto path = reader.string("path")) {
    if (path->empty() || path->front() != '/' || path->find_first_of(" \r\n") != std::string::npos)
      reader.error(reader.node("path")->mark, "'path' must start with '/' and hold no spaces");
    else
      out.path = *path;
  }
  out.host = reader.string("host");
  if (out.host && (out.host->empty() || has_line_break(*out.host)))
    reader.error(reader.node("host")->mark, "'host' must be a non-empty single line");
  if (auto headers = reader.string_map("headers")) {
    for (const auto& [name, value] : *headers) {
      if (name.empty() || name.find_first_of(" :\r\n") != std::string::npos ||
          has_line_break(value))
        reader.error(reader.node("headers")->mark, "bad header '" + name + "'");
      else
        out.headers.emplace_back(name, value);
    }
  }
  parse_expect_status(reader, out);
  out.expect_body_regex = reader.regex("expect_body_regex");
  if (auto digest = reader.string("expect_digest")) {
    const bool hex = digest->size() == 64 &&
                     digest->find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (!hex)
      reader.error(reader.node("expect_digest")->mark,
                   "'expect_digest' must be 64 hex digits (SHA-256)");
    std::string lower = *digest;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.expect_digest = lower;
  }
  parse_keep_alive(reader, out);
  if (out.method == "HEAD" && (out.expect_body_regex || out.expect_digest))
    reader.error(reader.node("method")->mark, "a HEAD check has no body to match");
  if (tls) parse_tls(reader, out);
  for (auto& e : reader.finish()) errors.push_back(std::move(e));
  return out;
}

}  // namespace hadirector::checkers::http
