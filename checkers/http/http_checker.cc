#include "checkers/http/http_checker.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <strings.h>

#include <optional>
#include <utility>

#include "checkers/http/http_response.h"
#include "checkers/net/exchange_checker.h"
#include "checkers/param_reader.h"

namespace hadirector::checkers::http {

namespace {

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string default_host(const CheckTarget& target) {
  return target.address.find(':') != std::string::npos ? "[" + target.address + "]"
                                                       : target.address;
}

}  // namespace

std::string build_request(const HttpParams& params, const CheckTarget& target) {
  std::string out = params.method + " " + params.path + " HTTP/1.1\r\n";
  out += "Host: " + params.host.value_or(default_host(target)) + "\r\n";
  bool has_agent = false;
  for (const auto& [name, value] : params.headers) {
    out += name + ": " + value + "\r\n";
    has_agent = has_agent || strcasecmp(name.c_str(), "user-agent") == 0;
  }
  if (!has_agent) out += "User-Agent: hadirector-check\r\n";
  // HTTP/1.1 persists by default; without keep-alive the server is asked to close after it.
  if (!params.keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HD_CHECK(EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) == 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) out += {kHex[digest[i] >> 4], kHex[digest[i] & 15]};
  return out;
}

namespace {

bool status_expected(const HttpParams& params, int status) {
  for (const auto& range : params.expect_status)
    if (status >= range.low && status <= range.high) return true;
  return false;
}

class HttpChecker final : public net::ExchangeChecker {
 public:
  HttpChecker(core::EventLoop& loop, CheckTarget target, std::string key, HttpParams params,
              std::shared_ptr<net::TlsClientContext> tls)
      : ExchangeChecker(loop, std::move(target), std::move(key)),
        params_(std::move(params)),
        tls_(std::move(tls)),
        request_(build_request(params_, this->target())) {
    options_.head_request = params_.method == "HEAD";
    if (params_.keep_alive) set_keep_alive(params_.keep_alive_requests);
  }

 private:
  net::ExchangeRequest make_request() const override {
    net::ExchangeRequest request;
    request.payload = request_;
    parsed_.reset();
    request.complete = [this](std::string_view received) {
      ParseOutcome out = parse_http_response(received, false, options_);
      const bool done = out.status != ParseStatus::kNeedMore;
      parsed_.reset();
      if (done) parsed_.emplace(std::move(out), received.size());
      return done;
    };
    request.tls = tls_;
    if (tls_) request.tls_peer = tls_peer();
    return request;
  }

  net::TlsPeer tls_peer() const {
    net::TlsPeer peer;
    const std::string name = params_.sni.value_or(params_.host.value_or(""));
    if (!name.empty() && !is_ip_literal(name)) peer.sni = peer.verify_name = name;
    if (peer.verify_name.empty()) peer.verify_ip = target().address;
    return peer;
  }

  ProbeResult interpret(const net::ExchangeOutcome& outcome) const override {
    return judge(outcome).result;
  }

  Verdict judge(const net::ExchangeOutcome& outcome) const override {
    if (outcome.received.empty() && outcome.eof)
      return {ProbeResult::failure("connection-closed", "closed without a response")};
    // The completeness test already parsed these bytes (the same bytes: nothing is appended
    // after it said complete); with the connection closed since, they read differently.
    const bool reuse = parsed_ && !outcome.eof && parsed_->second == outcome.received.size();
    ParseOutcome parsed = reuse ? std::move(parsed_->first)
                                : parse_http_response(outcome.received, outcome.eof, options_);
    parsed_.reset();
    if (parsed.status != ParseStatus::kComplete)
      return {ProbeResult::failure("http-bad-response", parsed.status == ParseStatus::kError
                                                            ? parsed.error
                                                            : "response too long or incomplete")};
    return {verdict(parsed.response), parsed.response.keep_alive};
  }

  ProbeResult verdict(const HttpResponse& r) const {
    std::string status_text = std::to_string(r.status) + " " + r.reason;
    if (!status_expected(params_, r.status))
      return ProbeResult::failure("http-status-" + std::to_string(r.status), status_text);
    if (params_.expect_body_regex &&
        !std::regex_search(r.body.begin(), r.body.end(), *params_.expect_body_regex))
      return ProbeResult::failure("body-mismatch", "body does not match expect_body_regex: \"" +
                                                       net::printable(r.body) + "\"");
    if (params_.expect_digest) {
      std::string digest = sha256_hex(r.body);
      if (digest != *params_.expect_digest)
        return ProbeResult::failure("digest-mismatch", "body sha256 " + digest);
    }
    return ProbeResult::success(std::move(status_text));
  }

  HttpParams params_;
  std::shared_ptr<net::TlsClientContext> tls_;
  std::string request_;
  ParseOptions options_;
  // The completeness test's last finished parse and the size it read, for judge(): a response
  // is parsed once per probe instead of twice. Reset by each new request.
  mutable std::optional<std::pair<ParseOutcome, size_t>> parsed_;
};

}  // namespace
}  // namespace hadirector::checkers::http

namespace hadirector::checkers {

std::vector<config::ConfigError> HttpCheckerFactory::validate(const config::Node& params) const {
  std::vector<config::ConfigError> errors;
  http::parse_http_params(params, tls_, errors);
  return errors;
}

core::Result<std::unique_ptr<Checker>> HttpCheckerFactory::create(const CheckTarget& target,
                                                                  const config::Node& params,
                                                                  CheckContext& context) const {
  std::vector<config::ConfigError> errors;
  http::HttpParams parsed = http::parse_http_params(params, tls_, errors);
  if (auto st = first_error(errors); !st) return std::unexpected(st.error());
  std::shared_ptr<net::TlsClientContext> tls;
  if (tls_) {
    auto ctx = net::TlsClientContext::create(parsed.tls);
    if (!ctx) return std::unexpected(ctx.error().wrap(type() + " check " + target.to_string()));
    tls = std::move(*ctx);
  }
  return std::make_unique<http::HttpChecker>(context.loop, target,
                                             make_check_key(type(), target, params),
                                             std::move(parsed), std::move(tls));
}

}  // namespace hadirector::checkers
