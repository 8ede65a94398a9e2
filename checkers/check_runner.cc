#include "checkers/check_runner.h"

namespace hadirector::checkers {

std::string CheckTiming::signature() const {
  auto ns = [](core::Duration d) { return std::to_string(d.count()); };
  auto opt = [&](const std::optional<core::Duration>& d) { return d ? ns(*d) : std::string("-"); };
  return "i=" + ns(interval) + " t=" + ns(timeout) + " f=" + opt(fast_interval) +
         " d=" + opt(down_interval) + " r=" + std::to_string(rise) + " l=" + std::to_string(fall) +
         " s=" + to_string(start_state);
}

CheckTiming timing_from(const config::CheckSpec& spec) {
  CheckTiming t;
  t.interval = spec.interval;
  t.timeout = spec.timeout;
  if (spec.fast_interval) t.fast_interval = *spec.fast_interval;
  if (spec.down_interval) t.down_interval = *spec.down_interval;
  t.rise = spec.rise;
  t.fall = spec.fall;
  t.start_state = spec.start_state == config::StartState::kUp ? Health::kUp : Health::kDown;
  return t;
}

CheckTarget target_from(const std::string& address, uint16_t port, const config::CheckSpec& spec) {
  return CheckTarget{address, port, spec.port};
}

CheckRunner::CheckRunner(core::Scheduler& scheduler, std::unique_ptr<Checker> checker,
                         CheckTiming timing, Listener listener)
    : scheduler_(scheduler),
      checker_(std::move(checker)),
      timing_(timing),
      tracker_(TrackerConfig{timing.rise, timing.fall, timing.start_state}),
      listener_(std::move(listener)),
      key_(checker_->key()) {}

CheckRunner::~CheckRunner() {
  if (probing_) checker_->cancel();
}

core::Duration CheckRunner::first_delay(const std::string& key, core::Duration interval) {
  if (interval <= core::Duration::zero()) return core::Duration::zero();
  // FNV-1a: stable across runs and builds, unlike std::hash.
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : key) hash = (hash ^ c) * 1099511628211ull;
  return core::Duration(hash % static_cast<uint64_t>(interval.count()));
}

core::Duration CheckRunner::next_delay() const {
  if (tracker_.changing() && timing_.fast_interval) return *timing_.fast_interval;
  if (tracker_.state() == Health::kDown && timing_.down_interval) return *timing_.down_interval;
  return timing_.interval;
}

core::TimePoint CheckRunner::next_due(core::TimePoint due, core::Duration delay,
                                      core::TimePoint now) {
  // Start to start, not end to start: the probe's own latency and any wait in a busy loop do
  // not push the schedule back, so the first probes' spread holds for good.
  due += delay;
  if (due >= now) return due;
  const core::Duration behind = now - due;
  // Slightly late (a probe that used its whole timeout): go at once. Far behind (the loop
  // stalled): skip the missed slots rather than firing them together with every other
  // check that stalled, which would bunch them for good.
  if (delay <= core::Duration::zero() || behind <= delay / 10) return now;
  return due + delay * ((behind + delay - core::Duration(1)) / delay);
}

void CheckRunner::start() {
  due_ = scheduler_.now() + first_delay(key_, timing_.interval);
  next_timer_ = scheduler_.schedule_at(due_, [this] { begin_probe(); });
}

void CheckRunner::begin_probe() {
  const uint64_t id = ++probe_id_;
  probing_ = true;
  started_ = scheduler_.now();
  timeout_timer_ = scheduler_.schedule_after(timing_.timeout, [this, id] {
    checker_->cancel();
    finish_probe(id, ProbeResult::failure("timeout", "no answer within the check's timeout"));
  });
  checker_->start_probe([this, id](ProbeResult result) { finish_probe(id, std::move(result)); });
}

void CheckRunner::finish_probe(uint64_t probe_id, ProbeResult result) {
  // A late answer from a probe that already timed out must not count twice.
  if (!probing_ || probe_id != probe_id_) return;
  probing_ = false;
  timeout_timer_.cancel();
  // At most one clock read: where the clock is not in the vDSO (HPET in the qemu VM) each is a
  // syscall. A checker that read it for a batch of answers says when (never before the start).
  const core::TimePoint now =
      result.ended ? std::max(*result.ended, started_) : scheduler_.now();
  result.latency = now - started_;
  std::optional<Transition> transition = tracker_.record(result);
  due_ = next_due(due_, next_delay(), now);
  next_timer_ = scheduler_.schedule_at(due_, [this] { begin_probe(); });
  // Last, on a copy: the listener may destroy this runner (and listener_ with it).
  const Health state = tracker_.state();
  Listener listener = listener_;
  listener(CheckEvent{result, state, transition});
}

}  // namespace hadirector::checkers
