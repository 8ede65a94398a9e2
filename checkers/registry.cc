#include "checkers/registry.h"

#include <random>

#include "checkers/agent/agent_checker.h"
#include "checkers/dns/dns_checker.h"
#include "checkers/exec/exec_checker.h"
#include "checkers/file/file_checker.h"
#include "checkers/http/http_checker.h"
#include "checkers/icmp/icmp_checker.h"
#include "checkers/param_reader.h"
#include "checkers/smtp/smtp_checker.h"
#include "checkers/tcp/tcp_checker.h"
#include "checkers/udp/udp_checker.h"

namespace hadirector::checkers {

void CheckerRegistry::add(std::unique_ptr<CheckerFactory> factory) {
  HD_CHECK(factory != nullptr);
  std::string type = factory->type();
  HD_CHECK(!factories_.contains(type));
  factories_.emplace(std::move(type), std::move(factory));
}

const CheckerFactory* CheckerRegistry::find(const std::string& type) const {
  auto it = factories_.find(type);
  return it == factories_.end() ? nullptr : it->second.get();
}

std::vector<std::string> CheckerRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [type, factory] : factories_) out.push_back(type);
  return out;
}

std::vector<config::ConfigError> CheckerRegistry::validate(const std::string& type,
                                                           const config::Mark& type_mark,
                                                           const config::Node& params) const {
  if (const CheckerFactory* factory = find(type)) return factory->validate(params);
  return {config::ConfigError{
      type_mark, "unknown check type '" + type + "'" + suggestion_suffix(type, types())}};
}

void register_builtin_checkers(CheckerRegistry& registry) {
  registry.add(std::make_unique<TcpCheckerFactory>());
  registry.add(std::make_unique<HttpCheckerFactory>(/*tls=*/false));
  registry.add(std::make_unique<HttpCheckerFactory>(/*tls=*/true));
  registry.add(std::make_unique<AgentCheckerFactory>());
  // DNS query ids and ICMP identifiers must not be guessable by third parties: random seeds.
  std::random_device entropy;
  registry.add(std::make_unique<UdpCheckerFactory>());
  registry.add(std::make_unique<IcmpCheckerFactory>(entropy()));
  registry.add(std::make_unique<DnsCheckerFactory>(entropy()));
  registry.add(std::make_unique<SmtpCheckerFactory>());
  registry.add(std::make_unique<ExecCheckerFactory>());
  registry.add(std::make_unique<FileCheckerFactory>());
}

}  // namespace hadirector::checkers
