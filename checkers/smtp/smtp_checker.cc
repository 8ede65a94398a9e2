#include "checkers/smtp/smtp_checker.h"

#include <unistd.h>

#include <algorithm>

#include "checkers/param_reader.h"
#include "checkers/smtp/smtp_session.h"

namespace hadirector::checkers::smtp {

SmtpParams parse_smtp_params(const config::Node& params, std::vector<config::ConfigError>& errors) {
  ParamReader reader("smtp check", params);
  SmtpParams out;
  out.helo_name = reader.string("helo_name");
  if (out.helo_name) {
    const std::string& name = *out.helo_name;
    const bool bad = name.empty() || std::any_of(name.begin(), name.end(), [](unsigned char c) {
                       return c <= 0x20 || c >= 0x7f;
                     });
    if (bad)
      reader.error(reader.node("helo_name")->mark,
                   "'helo_name' must be a host name without spaces or control characters");
  }
  if (auto starttls = reader.boolean("starttls"); starttls && *starttls)
    reader.error(reader.node("starttls")->mark, "'starttls: true' is not supported yet");
  for (auto& e : reader.finish()) errors.push_back(std::move(e));
  return out;
}

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

class SmtpChecker final : public Checker {
 public:
  SmtpChecker(core::EventLoop& loop, CheckTarget target, std::string key, std::string helo_name)
      : loop_(loop),
        target_(std::move(target)),
        key_(std::move(key)),
        helo_name_(std::move(helo_name)) {}

  void start_probe(Done done) override {
    session_ = SmtpSession::start(loop_, target_, helo_name_,
                                  [this, done = std::move(done)](ProbeResult result) {
                                    session_.reset();
                                    done(std::move(result));  // last: may destroy this
                                  });
  }
  void cancel() override { session_.reset(); }
  std::string key() const override { return key_; }

 private:
  core::EventLoop& loop_;
  CheckTarget target_;
  std::string key_;
  std::string helo_name_;
  std::unique_ptr<SmtpSession> session_;
};

}  // namespace
}  // namespace hadirector::checkers::smtp

namespace hadirector::checkers {

std::vector<config::ConfigError> SmtpCheckerFactory::validate(const config::Node& params) const {
  std::vector<config::ConfigError> errors;
  smtp::parse_smtp_params(params, errors);
  return errors;
}

core::Result<std::unique_ptr<Checker>> SmtpCheckerFactory::create(const CheckTarget& target,
                                                                  const config::Node& params,
                                                                  CheckContext& context) const {
  std::vector<config::ConfigError> errors;
  smtp::SmtpParams parsed = smtp::parse_smtp_params(params, errors);
  if (auto st = first_error(errors); !st) return std::unexpected(st.error());
  return std::make_unique<smtp::SmtpChecker>(context.loop, target,
                                             make_check_key(type(), target, params),
                                             parsed.helo_name.value_or(smtp::host_name()));
}

}  // namespace hadirector::checkers
