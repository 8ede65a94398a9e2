#include "checkers/dns/dns_checker.h"

#include <sys/socket.h>

#include <random>

#include "checkers/dgram/datagram_probe.h"
#include "checkers/net/exchange.h"
#include "checkers/net/exchange_checker.h"
#include "checkers/param_reader.h"

namespace hadirector::checkers::dns {

namespace {

const std::vector<std::string> kTypeNames = {"A",  "AAAA", "CNAME", "MX", "TXT",
                                             "NS", "SOA",  "PTR",   "SRV"};

void read_question(ParamReader& reader, const config::Mark& block, DnsParams& out) {
  const config::Node* name_node = reader.node("name");
  if (auto name = reader.string("name")) {
    if (auto st = validate_name(*name); !st)
      reader.error(name_node->mark, "'name' is not a valid domain name: " + st.error().message());
    out.question.name = *name;
  } else if (!name_node) {
    reader.error(block, "dns check needs 'name', the domain name to ask for");
  }
  if (auto type = reader.string("type")) {
    if (auto value = type_from_name(*type))
      out.question.type = *value;
    else
      reader.error(reader.node("type")->mark,
                   "'type' must be one of A, AAAA, CNAME, MX, TXT, "
                   "NS, SOA, PTR, SRV, not '" +
                       *type + "'" + suggestion_suffix(*type, kTypeNames));
  }
}

void read_expectations(ParamReader& reader, DnsParams& out) {
  if (auto rcode = reader.string("expect_rcode")) {
    if (auto value = rcode_from_name(*rcode))
      out.expect_rcode = *value;
    else
      reader.error(
          reader.node("expect_rcode")->mark,
          "'expect_rcode' must be a response code like NOERROR or NXDOMAIN, not '" + *rcode + "'");
  }
  out.expect_answer = reader.string("expect_answer");
  const uint16_t type = out.question.type;
  if (out.expect_answer && (type == 1 || type == 28)) {
    Record probe{"", type, kClassIn, 0, *out.expect_answer, std::nullopt};
    if (!record_matches(probe, *out.expect_answer))
      reader.error(reader.node("expect_answer")->mark,
                   "'expect_answer' must be an " + std::string(type == 1 ? "IPv4" : "IPv6") +
                       " address for a " + type_name(type) + " query, not '" + *out.expect_answer +
                       "'");
  }
  out.tcp = reader.boolean("tcp").value_or(false);
}

std::string answers_text(const Message& m) {
  std::string out;
  for (const auto& r : m.answers) {
    if (!out.empty()) out += ", ";
    out += type_name(r.type) + " " + net::printable(r.data, 80);
  }
  return out.empty() ? "no answers" : out;
}

}  // namespace

DnsParams parse_dns_params(const config::Node& params, std::vector<config::ConfigError>& errors) {
  ParamReader reader("dns check", params);
  DnsParams out;
  read_question(reader, params.mark, out);
  read_expectations(reader, out);
  for (auto& e : reader.finish()) errors.push_back(std::move(e));
  return out;
}

ProbeResult interpret_dns_response(std::string_view bytes, uint16_t id, const DnsParams& params) {
  auto parsed = parse_message(bytes);
  if (!parsed) return ProbeResult::failure("dns-bad-response", parsed.error().message());
  const Message& m = *parsed;
  if (!m.response || m.id != id)
    return ProbeResult::failure("dns-bad-response",
                                "not a response to query id " + std::to_string(id));
  if (m.questions.size() != 1 || !same_name(m.questions[0].name, params.question.name) ||
      m.questions[0].type != params.question.type)
    return ProbeResult::failure("dns-bad-response", "the response answers another question");
  if (m.rcode != params.expect_rcode)
    return ProbeResult::failure("dns-rcode-" + rcode_name(m.rcode),
                                "expected " + rcode_name(params.expect_rcode));
  if (params.expect_answer) {
    const bool found = std::any_of(m.answers.begin(), m.answers.end(), [&](const Record& r) {
      return record_matches(r, *params.expect_answer);
    });
    if (!found)
      return ProbeResult::failure("dns-answer-mismatch",
                                  "'" + *params.expect_answer + "' not in the answer (" +
                                      answers_text(m) + (m.truncated ? ", truncated)" : ")"));
  }
  return ProbeResult::success(rcode_name(m.rcode) + ": " + answers_text(m));
}

namespace {

// RFC 1035 §4.2.2: over TCP each message is preceded by its length in two octets.
bool tcp_message_complete(std::string_view received) {
  if (received.size() < 2) return false;
  const size_t length = static_cast<uint8_t>(received[0]) << 8 | static_cast<uint8_t>(received[1]);
  return received.size() >= 2 + length;
}

class DnsChecker final : public Checker {
 public:
  DnsChecker(core::EventLoop& loop, CheckTarget target, dgram::SocketAddress peer, std::string key,
             DnsParams params, uint64_t seed)
      : loop_(loop),
        target_(std::move(target)),
        peer_(peer),
        key_(std::move(key)),
        params_(std::move(params)),
        rng_(seed) {}

  void start_probe(Done done) override {
    const auto id = static_cast<uint16_t>(rng_());
    // The question was validated with the factory, so encoding cannot fail.
    std::string query = encode_query(id, params_.question).value_or("");
    auto finish = [this, done = std::move(done)](ProbeResult result) {
      udp_.reset();
      tcp_.reset();
      done(std::move(result));  // last: may destroy this
    };
    if (params_.tcp) return start_tcp(std::move(query), id, std::move(finish));
    dgram::DatagramRequest request;
    request.payload = std::move(query);
    // Responses with another id are stale or forged; keep waiting for ours.
    request.accept = [id](std::string_view d) {
      return d.size() >= 2 && (static_cast<uint8_t>(d[0]) << 8 | static_cast<uint8_t>(d[1])) == id;
    };
    udp_ = dgram::DatagramProbe::start(
        loop_, dgram::open_socket(peer_.family(), SOCK_DGRAM, 0), peer_, std::move(request),
        [this, id, finish](dgram::DatagramOutcome outcome) {
          finish(outcome.kind == dgram::DatagramOutcome::Kind::kAnswer
                     ? interpret_dns_response(outcome.answer, id, params_)
                     : dgram::datagram_failure(outcome));
        });
  }
  void cancel() override {
    udp_.reset();
    tcp_.reset();
  }
  std::string key() const override { return key_; }

 private:
  template <typename Finish>
  void start_tcp(std::string query, uint16_t id, Finish finish) {
    net::ExchangeRequest request;
    request.payload =
        std::string{static_cast<char>(query.size() >> 8), static_cast<char>(query.size() & 0xFF)} +
        query;
    request.complete = tcp_message_complete;
    request.max_bytes = 2 + 0xFFFF;
    tcp_ = net::Exchange::start(
        loop_, target_, std::move(request), [this, id, finish](net::ExchangeOutcome outcome) {
          if (!outcome.ok) return finish(ProbeResult::failure(outcome.reason, outcome.detail));
          if (!tcp_message_complete(outcome.received))
            return finish(ProbeResult::failure("dns-bad-response",
                                               "connection closed before the whole response"));
          finish(interpret_dns_response(std::string_view(outcome.received).substr(2), id, params_));
        });
  }

  core::EventLoop& loop_;
  CheckTarget target_;
  dgram::SocketAddress peer_;
  std::string key_;
  DnsParams params_;
  std::mt19937 rng_;
  std::unique_ptr<dgram::DatagramProbe> udp_;
  std::unique_ptr<net::Exchange> tcp_;
};

}  // namespace
}  // namespace hadirector::checkers::dns

namespace hadirector::checkers {

std::vector<config::ConfigError> DnsCheckerFactory::validate(const config::Node& params) const {
  std::vector<config::ConfigError> errors;
  dns::parse_dns_params(params, errors);
  return errors;
}

core::Result<std::unique_ptr<Checker>> DnsCheckerFactory::create(const CheckTarget& target,
                                                                 const config::Node& params,
                                                                 CheckContext& context) const {
  std::vector<config::ConfigError> errors;
  dns::DnsParams parsed = dns::parse_dns_params(params, errors);
  if (auto st = first_error(errors); !st) return std::unexpected(st.error());
  auto peer = dgram::socket_address(target.address, target.effective_port());
  if (!peer) return std::unexpected(peer.error());
  std::string key = make_check_key(type(), target, params);
  const uint64_t seed = seed_ ^ std::hash<std::string>{}(key);
  return std::make_unique<dns::DnsChecker>(context.loop, target, *peer, std::move(key),
                                           std::move(parsed), seed);
}

}  // namespace hadirector::checkers
