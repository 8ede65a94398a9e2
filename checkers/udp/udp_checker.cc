#include "checkers/udp/udp_checker.h"

#include <sys/socket.h>

#include "checkers/dgram/datagram_probe.h"
#include "checkers/net/exchange_checker.h"
#include "checkers/param_reader.h"
#include "daemon/config/values.h"

namespace hadirector::checkers::udp {

std::optional<std::string> decode_hex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') continue;
    const int v = nibble(c);
    if (v < 0) return std::nullopt;
    if (high < 0) {
      high = v;
    } else {
      out += static_cast<char>(high << 4 | v);
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

namespace {

void read_payload(ParamReader& reader, UdpParams& out) {
  out.payload = reader.string("payload").value_or("");
  auto hex = reader.string("payload_hex");
  if (!hex) return;
  const config::Node& hex_node = *reader.node("payload_hex");
  if (reader.node("payload"))
    return reader.error(hex_node.mark, "'payload' and 'payload_hex' exclude each other; keep one");
  auto bytes = decode_hex(*hex);
  if (!bytes)
    return reader.error(hex_node.mark,
                        "'payload_hex' must be pairs of hex digits, not '" + *hex + "'");
  out.payload = std::move(*bytes);
}

void read_expectations(ParamReader& reader, UdpParams& out) {
  out.expect = reader.string("expect");
  out.expect_regex = reader.regex("expect_regex");
  out.expect_reply = reader.boolean("expect_reply").value_or(true);
  if (out.expect && out.expect->empty())
    reader.error(reader.node("expect")->mark, "'expect' must not be empty");
  if (out.expect && reader.node("expect_regex"))
    reader.error(reader.node("expect_regex")->mark,
                 "'expect' and 'expect_regex' exclude each other; keep one");
  if (!out.expect_reply && (out.expect || out.expect_regex)) {
    const char* key = out.expect ? "expect" : "expect_regex";
    reader.error(reader.node(key)->mark,
                 std::string("'") + key + "' needs a reply; it contradicts 'expect_reply: false'");
  }
  if (auto wait = reader.string("wait")) {
    const config::Node& node = *reader.node("wait");
    auto parsed = config::parse_duration(*wait);
    if (!parsed || *parsed <= core::Duration::zero())
      reader.error(node.mark,
                   "'wait' must be a positive duration like '500ms', not '" + *wait + "'");
    else if (out.expect_reply)
      reader.error(node.mark, "'wait' applies only with 'expect_reply: false'");
    else
      out.wait = *parsed;
  }
}

}  // namespace

UdpParams parse_udp_params(const config::Node& params, std::vector<config::ConfigError>& errors) {
  ParamReader reader("udp check", params);
  UdpParams out;
  read_payload(reader, out);
  read_expectations(reader, out);
  for (auto& e : reader.finish()) errors.push_back(std::move(e));
  return out;
}

namespace {

class UdpChecker final : public Checker {
 public:
  UdpChecker(core::EventLoop& loop, dgram::SocketAddress peer, std::string key, UdpParams params)
      : loop_(loop), peer_(peer), key_(std::move(key)), params_(std::move(params)) {}

  void start_probe(Done done) override {
    dgram::DatagramRequest request;
    request.payload = params_.payload;
    request.accept = [](std::string_view) { return true; };
    if (!params_.expect_reply) request.quiet_success = params_.wait;
    probe_ = dgram::DatagramProbe::start(
        loop_, dgram::open_socket(peer_.family(), SOCK_DGRAM, 0), peer_, std::move(request),
        [this, done = std::move(done)](dgram::DatagramOutcome outcome) {
          probe_.reset();
          done(interpret(outcome));  // last: may destroy this
        });
  }
  void cancel() override { probe_.reset(); }
  std::string key() const override { return key_; }

 private:
  ProbeResult interpret(const dgram::DatagramOutcome& outcome) const {
    using Kind = dgram::DatagramOutcome::Kind;
    if (outcome.kind == Kind::kError) return dgram::datagram_failure(outcome);
    if (outcome.kind == Kind::kQuiet) return ProbeResult::success("no ICMP error");
    const std::string& reply = outcome.answer;
    const bool matched = params_.expect ? reply.find(*params_.expect) != std::string::npos
                         : params_.expect_regex
                             ? std::regex_search(reply.begin(), reply.end(), *params_.expect_regex)
                             : true;
    if (!matched)
      return ProbeResult::failure("expect-mismatch",
                                  "reply did not match: \"" + net::printable(reply) + "\"");
    return ProbeResult::success("reply of " + std::to_string(reply.size()) + " bytes");
  }

  core::EventLoop& loop_;
  dgram::SocketAddress peer_;
  std::string key_;
  UdpParams params_;
  std::unique_ptr<dgram::DatagramProbe> probe_;
};

}  // namespace
}  // namespace hadirector::checkers::udp

namespace hadirector::checkers {

std::vector<config::ConfigError> UdpCheckerFactory::validate(const config::Node& params) const {
  std::vector<config::ConfigError> errors;
  udp::parse_udp_params(params, errors);
  return errors;
}

core::Result<std::unique_ptr<Checker>> UdpCheckerFactory::create(const CheckTarget& target,
                                                                 const config::Node& params,
                                                                 CheckContext& context) const {
  std::vector<config::ConfigError> errors;
  udp::UdpParams parsed = udp::parse_udp_params(params, errors);
  if (auto st = first_error(errors); !st) return std::unexpected(st.error());
  auto peer = dgram::socket_address(target.address, target.effective_port());
  if (!peer) return std::unexpected(peer.error());
  return std::make_unique<udp::UdpChecker>(
      context.loop, *peer, make_check_key(type(), target, params), std::move(parsed));
}

}  // namespace hadirector::checkers
