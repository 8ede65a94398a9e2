// `type: dns`: asks the real server (a DNS server) one question - `name`, `type` (A, AAAA,
// CNAME, MX, TXT, NS, SOA, PTR, SRV; default A) - over UDP, or TCP with `tcp: true`, and
// requires the response code `expect_rcode` (default NOERROR) and, when given, an answer record
// carrying `expect_answer`. Query ids come from a generator seeded by the factory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "checkers/dns/dns_message.h"

namespace hadirector::checkers::dns {

struct DnsParams {
  Question question;
  uint8_t expect_rcode = 0;
  std::optional<std::string> expect_answer;
  bool tcp = false;
};

DnsParams parse_dns_params(const config::Node& params, std::vector<config::ConfigError>& errors);

// The verdict on a response (without the TCP length prefix) to a query with `id`.
ProbeResult interpret_dns_response(std::string_view bytes, uint16_t id, const DnsParams& params);

}  // namespace hadirector::checkers::dns

namespace hadirector::checkers {

class DnsCheckerFactory final : public CheckerFactory {
 public:
  // Checkers draw query ids from a generator seeded with `seed` and their key: the daemon
  // passes a random seed, tests a fixed one.
  explicit DnsCheckerFactory(uint64_t seed) : seed_(seed) {}

  std::string type() const override { return "dns"; }
  std::vector<config::ConfigError> validate(const config::Node& params) const override;
  core::Result<std::unique_ptr<Checker>> create(const CheckTarget& target,
                                                const config::Node& params,
                                                CheckContext& context) const override;

 private:
  uint64_t seed_;
};

}  // namespace hadirector::checkers
