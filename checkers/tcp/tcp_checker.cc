#include "checkers/tcp/tcp_checker.h"

#include "checkers/net/exchange_checker.h"
#include "checkers/param_reader.h"

namespace hadirector::checkers::tcp {

TcpParams parse_tcp_params(const config::Node& params, std::vector<config::ConfigError>& errors) {
  ParamReader reader("tcp check", params);
  TcpParams out;
  out.send = reader.string("send").value_or("");
  out.expect = reader.string("expect");
  out.expect_regex = reader.regex("expect_regex");
  if (out.expect && out.expect->empty())
    reader.error(reader.node("expect")->mark, "'expect' must not be empty");
  if (out.expect && reader.node("expect_regex"))
    reader.error(reader.node("expect_regex")->mark,
                 "'expect' and 'expect_regex' exclude each other; keep one");
  for (auto& e : reader.finish()) errors.push_back(std::move(e));
  return out;
}

namespace {

// Bytes read while waiting for `expect`/`expect_regex`; a banner or short reply fits.
constexpr size_t kMaxReply = 16 * 1024;

class TcpChecker final : public net::ExchangeChecker {
 public:
  TcpChecker(core::EventLoop& loop, CheckTarget target, std::string key, TcpParams params)
      : ExchangeChecker(loop, std::move(target), std::move(key)),
        params_(std::move(params)),
        connected_("connected to " + this->target().to_string()) {}

 private:
  bool matches(std::string_view received) const {
    if (params_.expect) return received.find(*params_.expect) != std::string_view::npos;
    if (params_.expect_regex)
      return std::regex_search(received.begin(), received.end(), *params_.expect_regex);
    return true;
  }

  net::ExchangeRequest make_request() const override {
    net::ExchangeRequest request;
    request.payload = params_.send;
    request.max_bytes = kMaxReply;
    // A bare connect check ends with a reset, as HAProxy's do: the server never reads from
    // it, and a FIN exchange plus a TIME_WAIT socket per probe is most of the probe's cost.
    request.reset_on_close = params_.send.empty() && !params_.expect && !params_.expect_regex;
    if (params_.expect || params_.expect_regex)
      request.complete = [this](std::string_view received) { return matches(received); };
    return request;
  }

  ProbeResult interpret(const net::ExchangeOutcome& outcome) const override {
    if (!matches(outcome.received))
      return ProbeResult::failure("expect-mismatch", "reply did not match: \"" +
                                                         net::printable(outcome.received) + "\"" +
                                                         (outcome.eof ? " (peer closed)" : ""));
    return ProbeResult::success(connected_);
  }

  TcpParams params_;
  const std::string connected_;  // every success says the same: built once, not per probe
};

}  // namespace
}  // namespace hadirector::checkers::tcp

namespace hadirector::checkers {

std::vector<config::ConfigError> TcpCheckerFactory::validate(const config::Node& params) const {
  std::vector<config::ConfigError> errors;
  tcp::parse_tcp_params(params, errors);
  return errors;
}

core::Result<std::unique_ptr<Checker>> TcpCheckerFactory::create(const CheckTarget& target,
                                                                 const config::Node& params,
                                                                 CheckContext& context) const {
  std::vector<config::ConfigError> errors;
  tcp::TcpParams parsed = tcp::parse_tcp_params(params, errors);
  if (auto st = first_error(errors); !st) return std::unexpected(st.error());
  return std::make_unique<tcp::TcpChecker>(
      context.loop, target, make_check_key(type(), target, params), std::move(parsed));
}

}  // namespace hadirector::checkers
