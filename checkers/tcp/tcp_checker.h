// `type: tcp`: the real server accepts a TCP connection (IPv4 or IPv6). Optionally sends
// `send` bytes and requires the reply to contain `expect` or match `expect_regex`. A bare
// check (none of those) is a half-open SYN probe where CAP_NET_RAW allows (`half_open`).
// It does not speak any protocol beyond that; see http/ and agent/ for those.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "checkers/checker.h"

namespace hadirector::checkers::tcp {

struct TcpParams {
  std::string send;
  std::optional<std::string> expect;
  std::shared_ptr<const std::regex> expect_regex;
  std::optional<bool> half_open;  // unset: half-open when the check is bare and allowed

  bool bare() const { return send.empty() && !expect && !expect_regex; }
  // Whether the check would probe half-open given CAP_NET_RAW (the worker keeps it for these).
  bool may_half_open() const { return bare() && half_open.value_or(true); }
};

// Parses the keys of a tcp check block, appending every problem to `errors`.
TcpParams parse_tcp_params(const config::Node& params, std::vector<config::ConfigError>& errors);

// For the supervisor choosing the checker worker's capabilities: a tcp check block that
// would probe half-open (and so needs CAP_NET_RAW). Invalid blocks say false.
bool tcp_check_may_half_open(const config::Node& params);

}  // namespace hadirector::checkers::tcp

namespace hadirector::checkers {

class TcpCheckerFactory final : public CheckerFactory {
 public:
  std::string type() const override { return "tcp"; }
  std::vector<config::ConfigError> validate(const config::Node& params) const override;
  core::Result<std::unique_ptr<Checker>> create(const CheckTarget& target,
                                                const config::Node& params,
                                                CheckContext& context) const override;
};

}  // namespace hadirector::checkers
