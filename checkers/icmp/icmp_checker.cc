#include "checkers/icmp/icmp_checker.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <random>

#include "checkers/dgram/datagram_probe.h"
#include "checkers/icmp/icmp_packet.h"
#include "checkers/param_reader.h"

namespace hadirector::checkers::icmp {

namespace {

// Identifies our replies beyond identifier and sequence, so a late reply to an earlier probe
// (same sequence after wrap-around) or another program's echo is never taken for ours.
constexpr size_t kTokenSize = 16;

class IcmpChecker final : public Checker {
 public:
  IcmpChecker(core::EventLoop& loop, dgram::SocketAddress peer, std::string key, uint64_t seed,
              std::vector<SocketKind> kinds)
      : loop_(loop),
        peer_(peer),
        key_(std::move(key)),
        rng_(seed),
        kinds_(std::move(kinds)),
        identifier_(static_cast<uint16_t>(rng_())) {}

  void start_probe(Done done) override {
    expected_.v6 = peer_.family() == AF_INET6;
    expected_.sequence = ++sequence_;
    expected_.identifier = identifier_;
    token_.clear();
    while (token_.size() < kTokenSize) token_ += static_cast<char>('a' + rng_() % 26);
    expected_.payload = token_;
    auto [fd, kind] = open_icmp_socket();
    expected_.with_ip_header = kind == SocketKind::kRaw && !expected_.v6;
    expected_.match_identifier = kind == SocketKind::kRaw;
    dgram::DatagramRequest request;
    request.payload = encode_echo_request(expected_.v6, identifier_, sequence_, token_);
    request.accept = [this](std::string_view d) {
      return classify_icmp(d, expected_).verdict != IcmpVerdict::kIgnore;
    };
    probe_ =
        dgram::DatagramProbe::start(loop_, std::move(fd), peer_, std::move(request),
                                    [this, done = std::move(done)](dgram::DatagramOutcome outcome) {
                                      probe_.reset();
                                      done(interpret(outcome));  // last: may destroy this
                                    });
  }
  void cancel() override { probe_.reset(); }
  std::string key() const override { return key_; }

 private:
  std::pair<core::Result<core::UniqueFd>, SocketKind> open_icmp_socket() {
    const int family = peer_.family();
    const int protocol = family == AF_INET6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP};
    core::Result<core::UniqueFd> fd = core::fail(core::Errc::kUnsupported, "no socket kind");
    SocketKind kind = kinds_.front();
    for (size_t i = chosen_; i < kinds_.size(); ++i) {
      kind = kinds_[i];
      fd = dgram::open_socket(family, kind == SocketKind::kPing ? SOCK_DGRAM : SOCK_RAW, protocol);
      // EACCES: outside ping_group_range; EPERM: no CAP_NET_RAW. Then try the next kind.
      if (fd || (fd.error().sys_errno() != EACCES && fd.error().sys_errno() != EPERM &&
                 fd.error().sys_errno() != EPROTONOSUPPORT)) {
        if (fd) chosen_ = i;
        break;
      }
    }
    return {std::move(fd), kind};
  }

  ProbeResult interpret(const dgram::DatagramOutcome& outcome) const {
    using Kind = dgram::DatagramOutcome::Kind;
    if (outcome.kind == Kind::kError) {
      if (outcome.error == EHOSTUNREACH || outcome.error == ENETUNREACH ||
          outcome.error == ECONNREFUSED)
        return ProbeResult::failure("icmp-unreachable", outcome.error_text());
      return dgram::datagram_failure(outcome);
    }
    const IcmpMatch match = classify_icmp(outcome.answer, expected_);
    const std::string what =
        "type " + std::to_string(match.type) + " code " + std::to_string(match.code);
    switch (match.verdict) {
      case IcmpVerdict::kEchoReply:
        return ProbeResult::success("echo reply, sequence " + std::to_string(sequence_));
      case IcmpVerdict::kUnreachable:
        return ProbeResult::failure("icmp-unreachable", "destination unreachable, " + what);
      case IcmpVerdict::kTimeExceeded:
        return ProbeResult::failure("icmp-time-exceeded", "time exceeded, " + what);
      case IcmpVerdict::kIgnore:
        break;
    }
    return ProbeResult::failure("internal-error", "accepted an ICMP message it cannot classify");
  }

  core::EventLoop& loop_;
  dgram::SocketAddress peer_;
  std::string key_;
  std::mt19937 rng_;
  std::vector<SocketKind> kinds_;
  size_t chosen_ = 0;
  uint16_t identifier_;
  uint16_t sequence_ = 0;
  std::string token_;
  EchoExpectation expected_;
  std::unique_ptr<dgram::DatagramProbe> probe_;
};

}  // namespace

core::Result<std::unique_ptr<Checker>> make_icmp_checker(core::EventLoop& loop,
                                                         const CheckTarget& target, std::string key,
                                                         uint64_t seed,
                                                         std::vector<SocketKind> kinds) {
  if (kinds.empty()) return core::fail(core::Errc::kInvalid, "no ICMP socket kind to try");
  auto peer = dgram::socket_address(target.address, 0);
  if (!peer) return std::unexpected(peer.error());
  return std::make_unique<IcmpChecker>(loop, *peer, std::move(key), seed, std::move(kinds));
}

}  // namespace hadirector::checkers::icmp

namespace hadirector::checkers {

std::vector<config::ConfigError> IcmpCheckerFactory::validate(const config::Node& params) const {
  return ParamReader("icmp check", params).finish();
}

core::Result<std::unique_ptr<Checker>> IcmpCheckerFactory::create(const CheckTarget& target,
                                                                  const config::Node& params,
                                                                  CheckContext& context) const {
  if (auto st = first_error(validate(params)); !st) return std::unexpected(st.error());
  // The port plays no part in an echo: checks of one address on several ports share a probe.
  CheckTarget host{target.address, 0, std::nullopt};
  std::string key = make_check_key(type(), host, params);
  const uint64_t seed = seed_ ^ std::hash<std::string>{}(key);
  return icmp::make_icmp_checker(context.loop, target, std::move(key), seed,
                                 {icmp::SocketKind::kPing, icmp::SocketKind::kRaw});
}

}  // namespace hadirector::checkers
