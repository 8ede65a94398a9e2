// A Checker whose probes the test answers by hand (or automatically after a delay on the
// ManualScheduler), recording how often it was started and cancelled.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "checkers/checker.h"
#include "daemon/core/manual_scheduler.h"

namespace hadirector::checkers {

struct FakeProbeLog {
  int starts = 0;
  int cancels = 0;
  Checker::Done pending;
  // When set, each probe answers this after auto_delay on the scheduler.
  std::optional<ProbeResult> auto_result;
  core::Duration auto_delay{};
  core::Handle auto_timer;

  void answer(ProbeResult result) {
    auto done = std::move(pending);
    pending = nullptr;
    done(std::move(result));
  }
};

class FakeChecker final : public Checker {
 public:
  FakeChecker(core::ManualScheduler& scheduler, std::shared_ptr<FakeProbeLog> log, std::string key)
      : scheduler_(scheduler), log_(std::move(log)), key_(std::move(key)) {}

  void start_probe(Done done) override {
    ++log_->starts;
    log_->pending = std::move(done);
    if (log_->auto_result) {
      log_->auto_timer = scheduler_.schedule_after(
          log_->auto_delay, [log = log_] { log->answer(*log->auto_result); });
    }
  }
  void cancel() override {
    ++log_->cancels;
    log_->pending = nullptr;
    log_->auto_timer.cancel();
  }
  std::string key() const override { return key_; }

 private:
  core::ManualScheduler& scheduler_;
  std::shared_ptr<FakeProbeLog> log_;
  std::string key_;
};

}  // namespace hadirector::checkers
