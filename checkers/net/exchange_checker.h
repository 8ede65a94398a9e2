// Base for checkers that are one network Exchange per probe (tcp, http, https, agent): it owns
// the Exchange, cancels it, and turns its outcome into a ProbeResult through the subclass's
// interpret(). Subclasses only say what to send, when a reply is complete and what it means.
#pragma once

#include <memory>
#include <string>

#include "checkers/checker.h"
#include "checkers/net/exchange.h"

namespace hadirector::checkers::net {

class ExchangeChecker : public Checker {
 public:
  ExchangeChecker(core::EventLoop& loop, CheckTarget target, std::string key)
      : loop_(loop), target_(std::move(target)), key_(std::move(key)) {}

  void start_probe(Done done) final {
    exchange_ = Exchange::start(
        loop_, target_, make_request(), [this, done = std::move(done)](ExchangeOutcome outcome) {
          exchange_.reset();
          ProbeResult result = outcome.ok ? interpret(outcome)
                                          : ProbeResult::failure(outcome.reason, outcome.detail);
          done(std::move(result));  // last: may destroy this
        });
  }
  void cancel() final { exchange_.reset(); }
  std::string key() const final { return key_; }

 protected:
  virtual ExchangeRequest make_request() const = 0;
  // Called for a transport-level success: the bytes (and whether the peer closed) are in.
  virtual ProbeResult interpret(const ExchangeOutcome& outcome) const = 0;
  const CheckTarget& target() const { return target_; }

 private:
  core::EventLoop& loop_;
  CheckTarget target_;
  std::string key_;
  std::unique_ptr<Exchange> exchange_;
};

// Up to `max` bytes of `bytes` with control and non-ASCII bytes escaped, for probe details.
std::string printable(std::string_view bytes, size_t max = 64);

}  // namespace hadirector::checkers::net
