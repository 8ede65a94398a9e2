// `type: icmp`: one echo request to the real server's address (IPv4 or IPv6), passing on the
// matching echo reply. It uses an unprivileged ping socket (SOCK_DGRAM + IPPROTO_ICMP/ICMPV6)
// where net.ipv4.ping_group_range allows and a raw socket otherwise. Reason codes:
// "icmp-unreachable", "icmp-time-exceeded"; no reply at all is the runner's "timeout".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "checkers/checker.h"

namespace hadirector::checkers::icmp {

enum class SocketKind { kPing, kRaw };

// A checker that tries the socket kinds in `kinds` order on each probe and sticks to the first
// that opens; the factory passes {kPing, kRaw}. Identifiers and payload tokens come from a
// generator seeded with `seed`. Fails (kInvalid) when the address is not an IP literal.
core::Result<std::unique_ptr<Checker>> make_icmp_checker(core::EventLoop& loop,
                                                         const CheckTarget& target, std::string key,
                                                         uint64_t seed,
                                                         std::vector<SocketKind> kinds);

}  // namespace hadirector::checkers::icmp

namespace hadirector::checkers {

class IcmpCheckerFactory final : public CheckerFactory {
 public:
  explicit IcmpCheckerFactory(uint64_t seed) : seed_(seed) {}

  std::string type() const override { return "icmp"; }
  std::vector<config::ConfigError> validate(const config::Node& params) const override;
  core::Result<std::unique_ptr<Checker>> create(const CheckTarget& target,
                                                const config::Node& params,
                                                CheckContext& context) const override;

 private:
  uint64_t seed_;
};

}  // namespace hadirector::checkers
