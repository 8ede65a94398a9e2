// `type: http` and `type: https`: one HTTP/1.1 request per probe (GET or HEAD) and a verdict on
// the status code, and optionally the body (regex or SHA-256). https adds TLS with SNI,
// certificate verification against a CA file, and client certificates. By default a passing
// probe's connection (and TLS session) is kept for the next probes (keep_alive). It does not
// follow redirects.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "checkers/checker.h"
#include "checkers/net/tls.h"

namespace hadirector::checkers::http {

struct StatusRange {
  int low;
  int high;
};

struct HttpParams {
  std::string method = "GET";
  std::string path = "/";
  std::optional<std::string> host;  // default: the target address
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<StatusRange> expect_status{{200, 299}};
  std::shared_ptr<const std::regex> expect_body_regex;
  std::optional<std::string> expect_digest;  // lower-case sha256 hex of the (capped) body
  bool keep_alive = true;             // no `Connection: close`; a passing probe's connection kept
  unsigned keep_alive_requests = 10;  // probes one connection carries before a fresh one
  // https only
  std::optional<std::string> sni;
  net::TlsClientOptions tls;
};

HttpParams parse_http_params(const config::Node& params, bool tls,
                             std::vector<config::ConfigError>& errors);

// The request bytes for `params` against `target`.
std::string build_request(const HttpParams& params, const CheckTarget& target);

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace hadirector::checkers::http

namespace hadirector::checkers {

class HttpCheckerFactory final : public CheckerFactory {
 public:
  explicit HttpCheckerFactory(bool tls) : tls_(tls) {}
  std::string type() const override { return tls_ ? "https" : "http"; }
  std::vector<config::ConfigError> validate(const config::Node& params) const override;
  core::Result<std::unique_ptr<Checker>> create(const CheckTarget& target,
                                                const config::Node& params,
                                                CheckContext& context) const override;

 private:
  bool tls_;
};

}  // namespace hadirector::checkers
