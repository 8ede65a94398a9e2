// `type: udp`: sends one datagram (`payload`, or `payload_hex` for binary) to the real server
// and requires a reply, optionally containing `expect` or matching `expect_regex`. With
// `expect_reply: false` it passes unless an ICMP error (port unreachable...) arrives within
// `wait` (default 500ms; keep it below the check's timeout). One socket per probe.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "daemon/core/scheduler.h"

namespace hadirector::checkers::udp {

struct UdpParams {
  std::string payload;
  std::optional<std::string> expect;
  std::shared_ptr<const std::regex> expect_regex;
  bool expect_reply = true;
  core::Duration wait = std::chrono::milliseconds(500);
};

UdpParams parse_udp_params(const config::Node& params, std::vector<config::ConfigError>& errors);

// "de ad be ef" / "deadbeef" to bytes; nullopt on an odd count or a non-hex character.
std::optional<std::string> decode_hex(std::string_view text);

}  // namespace hadirector::checkers::udp

namespace hadirector::checkers {

class UdpCheckerFactory final : public CheckerFactory {
 public:
  std::string type() const override { return "udp"; }
  std::vector<config::ConfigError> validate(const config::Node& params) const override;
  core::Result<std::unique_ptr<Checker>> create(const CheckTarget& target,
                                                const config::Node& params,
                                                CheckContext& context) const override;
};

}  // namespace hadirector::checkers
