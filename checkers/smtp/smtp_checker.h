// `type: smtp`: the real server greets with 220, answers `EHLO <helo_name>` (default: this
// host's name) with 250 and is then told QUIT. Reason codes "smtp-greeting-NNN",
// "smtp-ehlo-NNN", "smtp-bad-reply". STARTTLS is not implemented (the key is refused).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/checker.h"

namespace hadirector::checkers::smtp {

struct SmtpParams {
  std::optional<std::string> helo_name;  // nullopt: the host name at creation
};

SmtpParams parse_smtp_params(const config::Node& params, std::vector<config::ConfigError>& errors);

}  // namespace hadirector::checkers::smtp

namespace hadirector::checkers {

class SmtpCheckerFactory final : public CheckerFactory {
 public:
  std::string type() const override { return "smtp"; }
  std::vector<config::ConfigError> validate(const config::Node& params) const override;
  core::Result<std::unique_ptr<Checker>> create(const CheckTarget& target,
                                                const config::Node& params,
                                                CheckContext& context) const override;
};

}  // namespace hadirector::checkers
