#include "checkers/tcp/tcp_checker.h"

#include "checkers/net/exchange_checker.h"
#include "checkers/param_reader.h"
#include "checkers/tcp/half_open_prober.h"
#include "daemon/core/log.h"

namespace hadirector::checkers::tcp {

TcpParams parse_tcp_params(const config::Node& params, std::vector<config::ConfigError>& errors) {
  ParamReader reader("tcp check", params);
  TcpParams out;
  out.send = reader.string("send").value_or("");
  out.expect = reader.string("expect");
  out.expect_regex = reader.regex("expect_regex");
  out.half_open = reader.boolean("half_open");
  if (out.expect && out.expect->empty())
    reader.error(reader.node("expect")->mark, "'expect' must not be empty");
  if (out.expect && reader.node("expect_regex"))
    reader.error(reader.node("expect_regex")->mark,
                 "'expect' and 'expect_regex' exclude each other; keep one");
  if (out.half_open.value_or(false) && !out.bare())
    reader.error(reader.node("half_open")->mark,
                 "'half_open' sends a SYN and nothing else: it excludes 'send', 'expect' and "
                 "'expect_regex'");
  for (auto& e : reader.finish()) errors.push_back(std::move(e));
  return out;
}

bool tcp_check_may_half_open(const config::Node& params) {
  std::vector<config::ConfigError> errors;
  const TcpParams parsed = parse_tcp_params(params, errors);
  return errors.empty() && parsed.may_half_open();
}

namespace {

// Bytes read while waiting for `expect`/`expect_regex`; a banner or short reply fits.
constexpr size_t kMaxReply = 16 * 1024;

class TcpChecker final : public net::ExchangeChecker {
 public:
  TcpChecker(core::EventLoop& loop, CheckTarget target, std::string key, TcpParams params)
      : ExchangeChecker(loop, std::move(target), std::move(key)),
        params_(std::move(params)),
        connected_("connected") {}

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
  // Every success says the same, short enough for the string's inline buffer: a longer one
  // was an allocation per probe (the target is in every log line and status entry anyway).
  const std::string connected_;
};

// A bare check done with a SYN: HalfOpenProber sends it and reads the answer; the real
// server's kernel answers for its listener and its application sees nothing.
class HalfOpenChecker final : public Checker, private HalfOpenProber::Client {
 public:
  HalfOpenChecker(core::EventLoop& loop, std::shared_ptr<HalfOpenProber> prober,
                  dgram::SocketAddress peer, const CheckTarget& target, std::string key)
      : loop_(loop),
        prober_(std::move(prober)),
        peer_(peer),
        key_(std::move(key)),
        listening_("SYN-ACK"),  // short: see connected_ above
        refused_(target.to_string() + " answered a SYN with a reset") {}
  ~HalfOpenChecker() override { cancel(); }

  void start_probe(Done done) override {
    done_ = std::move(done);
    auto ticket = prober_->probe(peer_, *this);
    if (ticket) {
      ticket_ = *ticket;
      return;
    }
    net::IoResult io = net::io_error("connect", ticket.error().sys_errno());
    if (ticket.error().sys_errno() == 0) io = {net::IoStatus::kError, 0, "internal-error", {}};
    io.detail = ticket.error().message();
    deferred_ = loop_.defer([this, io = std::move(io)] {
      finish(ProbeResult::failure(io.reason, io.detail));
    });
  }
  void cancel() override {
    if (ticket_) prober_->cancel(*ticket_);
    ticket_.reset();
    deferred_.cancel();
    done_ = nullptr;
  }
  std::string key() const override { return key_; }

 private:
  void on_answer(HalfOpenProber::Answer answer, int error, core::TimePoint at) override {
    ticket_.reset();
    ProbeResult result;
    switch (answer) {
      case HalfOpenProber::Answer::kListening:
        result = ProbeResult::success(listening_);
        break;
      case HalfOpenProber::Answer::kRefused:
        result = ProbeResult::failure("connect-refused", refused_);
        break;
      case HalfOpenProber::Answer::kSendFailed: {
        net::IoResult io = net::io_error("send", error);
        result = ProbeResult::failure(io.reason, io.detail);
        break;
      }
    }
    result.ended = at;
    finish(std::move(result));
  }
  void finish(ProbeResult result) {
    Done done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(result));  // last: may destroy this
  }

  core::EventLoop& loop_;
  std::shared_ptr<HalfOpenProber> prober_;
  dgram::SocketAddress peer_;
  std::string key_;
  const std::string listening_;  // every answer of one kind says the same: built once
  const std::string refused_;
  Done done_;
  std::optional<HalfOpenProber::Ticket> ticket_;
  core::Handle deferred_;
};

// The worker's prober, or why there is none (said once per worker: every bare check asks).
std::shared_ptr<HalfOpenProber> half_open_prober(core::EventLoop& loop, bool required,
                                                 core::Error& why) {
  static bool told = false;
  auto prober = HalfOpenProber::for_loop(loop);
  if (prober) return *prober;
  why = prober.error();
  if (!required && !told) {
    told = true;
    core::log_notice("tcp checks connect instead of probing half-open: no raw socket",
                     {{"ERROR", why.message()}});
  }
  return nullptr;
}

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
  std::string key = make_check_key(type(), target, params);
  if (parsed.may_half_open()) {
    auto peer = dgram::socket_address(target.address, target.effective_port());
    if (!peer) return std::unexpected(peer.error());
    const bool required = parsed.half_open.value_or(false);
    core::Error why(core::Errc::kOk, {});
    if (auto prober = tcp::half_open_prober(context.loop, required, why))
      return std::make_unique<tcp::HalfOpenChecker>(context.loop, std::move(prober), *peer,
                                                    target, std::move(key));
    if (required)
      return core::fail(core::Errc::kUnsupported, "'half_open: true' needs a raw socket "
                                                  "(CAP_NET_RAW): " + why.message());
  }
  return std::make_unique<tcp::TcpChecker>(
      context.loop, target, std::move(key), std::move(parsed));
}

}  // namespace hadirector::checkers
