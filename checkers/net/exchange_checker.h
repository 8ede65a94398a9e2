// Base for checkers that are one network Exchange per probe (tcp, http, https, agent): it owns
// the Exchange, cancels it, and turns its outcome into a ProbeResult through the subclass's
// interpret(). Subclasses only say what to send, when a reply is complete and what it means,
// and (http) whether the connection may be kept for the next probe.
#pragma once

#include <memory>
#include <string>

#include "checkers/checker.h"
#include "checkers/net/exchange.h"
#include "daemon/core/descriptor_limit.h"

namespace hadirector::checkers::net {

class ExchangeChecker : public Checker {
 public:
  ExchangeChecker(core::EventLoop& loop, CheckTarget target, std::string key)
      : loop_(loop), target_(std::move(target)), key_(std::move(key)) {}

  void start_probe(Done done) final {
    if (kept_ && kept_->reusable()) {
      exchange_ = std::move(kept_);
      exchange_->reuse(make_request(), on_outcome(std::move(done), true));
      return;
    }
    kept_.reset();
    connect(std::move(done));
  }
  void cancel() final {
    exchange_.reset();
    kept_.reset();
  }
  std::string key() const final { return key_; }

 protected:
  struct Verdict {
    ProbeResult result;
    bool keep_connection = false;  // the peer left it open for another request
  };

  virtual ExchangeRequest make_request() const = 0;
  // Called for a transport-level success: the bytes (and whether the peer closed) are in.
  virtual ProbeResult interpret(const ExchangeOutcome& outcome) const = 0;
  // interpret() and whether the connection may carry the next probe; only a checker that
  // speaks a protocol with persistent connections (HTTP/1.1) says yes.
  virtual Verdict judge(const ExchangeOutcome& outcome) const { return {interpret(outcome)}; }
  // Successful probes a kept connection carries before a fresh one is made; 0: never kept.
  void set_keep_alive(unsigned max_requests) {
    keep_alive_max_ = max_requests;
    // A kept connection holds a descriptor per check between probes: thousands at scale.
    if (max_requests > 1) core::raise_descriptor_limit();
  }
  const CheckTarget& target() const { return target_; }

 private:
  void connect(Done done) {
    uses_ = 0;
    exchange_ = Exchange::start(loop_, target_, make_request(), on_outcome(std::move(done), false));
  }

  Exchange::Done on_outcome(Done done, bool reused) {
    return [this, done = std::move(done), reused](ExchangeOutcome outcome) mutable {
      // A kept connection the server dropped while it sat idle fails before any reply byte:
      // that says nothing about the server, so the probe retries at once on a fresh one (the
      // runner's timeout still bounds the whole probe).
      if (reused && outcome.received.empty() &&
          (outcome.eof || outcome.reason == "connection-reset")) {
        exchange_.reset();
        return connect(std::move(done));
      }
      Verdict verdict = outcome.ok ? judge(outcome)
                                   : Verdict{ProbeResult::failure(outcome.reason, outcome.detail)};
      // Only a passing probe keeps its connection: a failing server is asked on a new one.
      if (verdict.keep_connection && verdict.result.ok && ++uses_ < keep_alive_max_)
        kept_ = std::move(exchange_);
      else
        exchange_.reset();
      done(std::move(verdict.result));  // last: may destroy this
    };
  }

  core::EventLoop& loop_;
  CheckTarget target_;
  std::string key_;
  unsigned keep_alive_max_ = 0;
  unsigned uses_ = 0;                   // probes the current connection carried
  std::unique_ptr<Exchange> exchange_;  // the probe in flight
  std::unique_ptr<Exchange> kept_;      // an idle connection for the next probe
};

// Up to `max` bytes of `bytes` with control and non-ASCII bytes escaped, for probe details.
std::string printable(std::string_view bytes, size_t max = 64);

}  // namespace hadirector::checkers::net
