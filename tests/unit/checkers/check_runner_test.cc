#include "checkers/check_runner.h"

#include <gtest/gtest.h>

#include <vector>

#include "daemon/core/manual_scheduler.h"
#include "tests/unit/checkers/fake_checker.h"

namespace hadirector::checkers {
namespace {

struct Recorded {
  ProbeResult result;
  Health state;
  std::optional<Transition> transition;
  core::TimePoint at;
};

class RunnerTest : public ::testing::Test {
 protected:
  std::unique_ptr<CheckRunner> make_runner(CheckTiming timing, const std::string& key = "k") {
    auto runner = std::make_unique<CheckRunner>(
        clock_, std::make_unique<FakeChecker>(clock_, log_, key), timing,
        [this](const CheckEvent& e) {
          events_.push_back({e.result, e.state, e.transition, clock_.now()});
        });
    runner->start();
    return runner;
  }
  // Moves the clock to the first probe of `runner`.
  void to_first_probe(const std::string& key, core::Duration interval) {
    clock_.advance(CheckRunner::first_delay(key, interval));
  }

  core::ManualScheduler clock_;
  std::shared_ptr<FakeProbeLog> log_ = std::make_shared<FakeProbeLog>();
  std::vector<Recorded> events_;
};

TEST_F(RunnerTest, FirstProbeWaitsForTheKeyDerivedJitterWithinTheInterval) {
  CheckTiming timing;
  timing.interval = 10s;
  const core::Duration jitter = CheckRunner::first_delay("k", timing.interval);
  ASSERT_GT(jitter, 0s);
  ASSERT_LT(jitter, 10s);
  auto runner = make_runner(timing);
  clock_.advance(jitter - 1ns);
  EXPECT_EQ(log_->starts, 0);
  clock_.advance(1ns);
  EXPECT_EQ(log_->starts, 1);
}

TEST_F(RunnerTest, JitterIsStableForAKeyAndSpreadsManyKeysEvenly) {
  EXPECT_EQ(CheckRunner::first_delay("tcp 10.0.0.1:80", 5s),
            CheckRunner::first_delay("tcp 10.0.0.1:80", 5s));
  int buckets[10] = {};
  for (int i = 0; i < 10000; ++i) {
    auto d = CheckRunner::first_delay(
        "http 10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":80", 10s);
    ++buckets[std::chrono::duration_cast<std::chrono::seconds>(d).count()];
  }
  for (int count : buckets) {
    EXPECT_GT(count, 850);
    EXPECT_LT(count, 1150);
  }
}

TEST_F(RunnerTest, ProbesStartOneIntervalApartWhateverTheirLatency) {
  CheckTiming timing;
  timing.interval = 5s;
  log_->auto_result = ProbeResult::success();
  log_->auto_delay = 100ms;
  auto runner = make_runner(timing);
  to_first_probe("k", 5s);
  clock_.advance(100ms);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].result.latency, 100ms);
  clock_.advance(5s - 100ms - 1ns);
  EXPECT_EQ(log_->starts, 1);
  clock_.advance(1ns);
  EXPECT_EQ(log_->starts, 2);  // 5 s after the first started, not after it finished
  clock_.advance(5s);
  EXPECT_EQ(log_->starts, 3);
}

TEST_F(RunnerTest, AnswerTimeGivenByTheCheckerIsUsedInsteadOfTheClock) {
  CheckTiming timing;
  timing.interval = 5s;
  auto runner = make_runner(timing);
  to_first_probe("k", 5s);
  const core::TimePoint started = clock_.now();
  clock_.advance(300ms);
  ProbeResult result = ProbeResult::success();
  result.ended = started + 120ms;  // read once for a batch, before the clock moved on
  log_->answer(result);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].result.latency, 120ms);
  // A time before the probe's start (a clock the runner does not share) is no latency at all.
  clock_.advance(5s - 300ms);
  ASSERT_EQ(log_->starts, 2);
  result.ended = started;
  log_->answer(result);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[1].result.latency, 0s);
}

TEST_F(RunnerTest, ProbeThatOverrunsTheIntervalIsFollowedAtOnce) {
  CheckTiming timing;
  timing.interval = 1s;
  timing.timeout = 1s;
  auto runner = make_runner(timing);  // the fake never answers: every probe times out
  to_first_probe("k", 1s);
  clock_.advance(1s);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(log_->starts, 2);  // due at the timeout's instant: no gap, no burst
  clock_.advance(1s);
  EXPECT_EQ(log_->starts, 3);
}

TEST(RunnerSchedule, FarBehindSkipsToTheNextSlotInPhase) {
  const core::TimePoint t0{};
  EXPECT_EQ(CheckRunner::next_due(t0, 1s, t0 + 300ms), t0 + 1s);             // on time
  EXPECT_EQ(CheckRunner::next_due(t0, 1s, t0 + 1s + 50ms), t0 + 1s + 50ms);  // just late
  EXPECT_EQ(CheckRunner::next_due(t0, 1s, t0 + 1s + 400ms), t0 + 2s);        // stalled
  EXPECT_EQ(CheckRunner::next_due(t0, 1s, t0 + 3s + 400ms), t0 + 4s);
  EXPECT_EQ(CheckRunner::next_due(t0, 1s, t0 + 3s), t0 + 3s);
}

TEST_F(RunnerTest, TimeoutCancelsTheProbeAndCountsAsFailureTimeout) {
  CheckTiming timing;
  timing.timeout = 2s;
  auto runner = make_runner(timing);
  to_first_probe("k", timing.interval);
  ASSERT_EQ(log_->starts, 1);
  clock_.advance(2s);
  EXPECT_EQ(log_->cancels, 1);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].result.ok);
  EXPECT_EQ(events_[0].result.reason, "timeout");
  EXPECT_EQ(events_[0].result.latency, 2s);
}

TEST_F(RunnerTest, AnswerArrivingAfterTheTimeoutIsNotCounted) {
  CheckTiming timing;
  auto runner = make_runner(timing);
  to_first_probe("k", timing.interval);
  Checker::Done late = log_->pending;
  clock_.advance(timing.timeout);
  late(ProbeResult::success());
  EXPECT_EQ(events_.size(), 1u);
}

TEST_F(RunnerTest, ReportsTheTransitionWhenRiseIsReached) {
  CheckTiming timing;
  timing.rise = 2;
  log_->auto_result = ProbeResult::success();
  auto runner = make_runner(timing);
  to_first_probe("k", timing.interval);
  clock_.advance(timing.interval);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_FALSE(events_[0].transition);
  ASSERT_TRUE(events_[1].transition);
  EXPECT_EQ(events_[1].transition->to, Health::kUp);
  EXPECT_EQ(runner->state(), Health::kUp);
}

TEST_F(RunnerTest, UsesFastIntervalWhileTheStateIsChanging) {
  CheckTiming timing;
  timing.interval = 10s;
  timing.fast_interval = 1s;
  timing.rise = 3;
  timing.start_state = Health::kDown;
  log_->auto_result = ProbeResult::success();
  auto runner = make_runner(timing);
  to_first_probe("k", timing.interval);
  EXPECT_EQ(log_->starts, 1);
  clock_.advance(1s);  // streak 1 of 3: fast
  EXPECT_EQ(log_->starts, 2);
  clock_.advance(1s);  // streak 2, then up: back to the normal interval
  EXPECT_EQ(log_->starts, 3);
  EXPECT_EQ(runner->state(), Health::kUp);
  clock_.advance(9s);
  EXPECT_EQ(log_->starts, 3);
  clock_.advance(1s);
  EXPECT_EQ(log_->starts, 4);
}

TEST_F(RunnerTest, UsesDownIntervalWhileDownAndSteady) {
  CheckTiming timing;
  timing.interval = 2s;
  timing.down_interval = 30s;
  timing.start_state = Health::kDown;
  log_->auto_result = ProbeResult::failure("connect-refused");
  auto runner = make_runner(timing);
  to_first_probe("k", timing.interval);
  EXPECT_EQ(log_->starts, 1);
  clock_.advance(29s);
  EXPECT_EQ(log_->starts, 1);
  clock_.advance(1s);
  EXPECT_EQ(log_->starts, 2);
}

TEST_F(RunnerTest, UpServerGoesDownAfterFallTimeouts) {
  CheckTiming timing;
  timing.interval = 1s;
  timing.timeout = 500ms;
  timing.fall = 2;
  timing.start_state = Health::kUp;
  auto runner = make_runner(timing);
  to_first_probe("k", timing.interval);
  clock_.advance(500ms + 1s + 500ms);
  ASSERT_EQ(events_.size(), 2u);
  ASSERT_TRUE(events_[1].transition);
  EXPECT_EQ(events_[1].transition->reason, "timeout");
  EXPECT_EQ(runner->state(), Health::kDown);
}

TEST_F(RunnerTest, DestroyingTheRunnerCancelsTheRunningProbe) {
  auto runner = make_runner(CheckTiming{});
  to_first_probe("k", CheckTiming{}.interval);
  ASSERT_TRUE(runner->probing());
  runner.reset();
  EXPECT_EQ(log_->cancels, 1);
  EXPECT_EQ(clock_.pending(), 0u);
}

TEST(CheckTimingFromConfig, CopiesEveryCommonKey) {
  config::CheckSpec spec;
  spec.interval = 3s;
  spec.timeout = 1s;
  spec.fast_interval = 500ms;
  spec.down_interval = 30s;
  spec.rise = 4;
  spec.fall = 5;
  spec.start_state = config::StartState::kUp;
  spec.port = 9999;
  CheckTiming t = timing_from(spec);
  EXPECT_EQ(t.interval, 3s);
  EXPECT_EQ(t.timeout, 1s);
  EXPECT_EQ(t.fast_interval, core::Duration(500ms));
  EXPECT_EQ(t.down_interval, core::Duration(30s));
  EXPECT_EQ(t.rise, 4);
  EXPECT_EQ(t.fall, 5);
  EXPECT_EQ(t.start_state, Health::kUp);
  EXPECT_EQ(target_from("192.0.2.1", 80, spec).effective_port(), 9999);
  EXPECT_FALSE(timing_from(config::CheckSpec{}).fast_interval);
}

}  // namespace
}  // namespace hadirector::checkers
