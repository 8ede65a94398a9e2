// Failover as a client on the bridge sees it, for hadirectord and keepalived in turn, at advert
// intervals 10, 50, 100 ms (VRRPv3) and 1 s (VRRPv2, as keepalived's reference figures were
// taken): (a) the master's link taken down and its daemon SIGKILLed, (b) SIGTERM (priority 0).
// Each figure is the time from the fault to the client's first echo reply from the backup's
// MAC. Kills happen at the same spread of phases after the master's last advert for both
// daemons, so their medians compare like for like.
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <thread>

#include "tests/bench/vrrp/bench_report.h"
#include "tests/bench/vrrp/vrrp_bench_lab.h"

namespace hadirector::bench {
namespace {

using std::chrono::milliseconds;
constexpr const char* kVip = "192.0.2.100/24";

struct Interval {
  int ms;
  int version;
};

struct Series {
  std::vector<double> kill, kill_since_advert, term;
  int failed = 0;
};

// RFC 5798 §6.1 for the backup's priority 100.
double skew_ms(int advert_ms) { return (256 - 100) * advert_ms / 256.0; }
double master_down_ms(int advert_ms) { return 3.0 * advert_ms + skew_ms(advert_ms); }

void sleep_until_ns(int64_t t) {
  timespec ts{static_cast<time_t>(t / 1'000'000'000), static_cast<long>(t % 1'000'000'000)};
  while (::clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

std::string tail_lines(const std::string& text, int n) {
  size_t pos = text.size();
  while (n-- > 0 && pos > 0) pos = text.rfind('\n', pos - 1);
  return text.substr(pos == std::string::npos ? 0 : pos);
}

// HD_BENCH_VRRP_INTERVALS=10,100 narrows the run to those advert intervals (ms).
std::vector<Interval> selected(std::vector<Interval> all) {
  const char* env = std::getenv("HD_BENCH_VRRP_INTERVALS");
  if (!env) return all;
  const std::string list = std::string(",") + env + ",";
  std::erase_if(all, [&](const Interval& iv) {
    return list.find("," + std::to_string(iv.ms) + ",") == std::string::npos;
  });
  return all;
}

int repetitions() {
  if (const char* env = std::getenv("HD_BENCH_VRRP_REPS")) return std::max(1, std::atoi(env));
  return quick() ? 2 : 10;
}

class Failover : public VrrpBenchLab {
 protected:
  Series run_series(Daemon kind, Interval iv, const std::vector<double>& phases);

 private:
  bool steady(int advert_ms);
  bool wait_advert_phase(int advert_ms, double phase);
  std::optional<double> takeover_ms(int64_t t0, int advert_ms);
  bool crash_once(BenchDirector& a, Interval iv, double phase, Series& s);
  bool stop_once(BenchDirector& a, Interval iv, double phase, Series& s);
  BenchDirector* current_b_ = nullptr;
};

// Director 1 holds the VIP, director 2 released it, and the client gets replies from 1.
bool Failover::steady(int advert_ms) {
  const milliseconds limit(10'000 + 10 * advert_ms);
  if (!testing::eventually([&] { return has_address(1, kVip) && !has_address(2, kVip); }, limit,
                           milliseconds(2)))
    return false;
  const int64_t since = now_ns();
  if (!testing::eventually([&] { return probe().first_reply_from(mac(1), since).has_value(); },
                           limit, milliseconds(2)))
    return false;
  std::this_thread::sleep_for(milliseconds(3 * advert_ms + 100));  // the backup settles
  return true;
}

// Returns at `phase` (0..1) of an interval after an advert from director 1 seen by the client.
bool Failover::wait_advert_phase(int advert_ms, double phase) {
  const int64_t since = now_ns();
  std::optional<int64_t> seen;
  if (!testing::eventually(
          [&] {
            seen = probe().last_advert_from(mac(1), now_ns() + 1);
            return seen && *seen > since;
          },
          milliseconds(3 * advert_ms + 2000), milliseconds(1)))
    return false;
  sleep_until_ns(*seen + static_cast<int64_t>(phase * advert_ms * 1e6));
  return true;
}

std::optional<double> Failover::takeover_ms(int64_t t0, int advert_ms) {
  std::optional<int64_t> t;
  testing::eventually(
      [&] {
        t = probe().first_reply_from(mac(2), t0);
        return t.has_value();
      },
      milliseconds(static_cast<int>(3 * master_down_ms(advert_ms)) + 3000), milliseconds(1));
  if (!t) return std::nullopt;
  return (*t - t0) / 1e6;
}

bool Failover::crash_once(BenchDirector& a, Interval iv, double phase, Series& s) {
  if (!wait_advert_phase(iv.ms, phase)) return false;
  const int64_t t0 = now_ns();
  set_link(1, false);
  a.crash();
  const auto ms = takeover_ms(t0, iv.ms);
  const auto last = probe().last_advert_from(mac(1), t0);
  s.kill.push_back(ms.value_or(NAN));
  s.kill_since_advert.push_back(ms && last ? *ms + (t0 - *last) / 1e6 : NAN);
  if (!ms) {
    ++s.failed;
    detail("no takeover seen by the client after the crash; the backup's log ends:\n%s",
           tail_lines(current_b_->log(), 25).c_str());
  }
  set_link(1, true);
  a.start();
  return steady(iv.ms);
}

bool Failover::stop_once(BenchDirector& a, Interval iv, double phase, Series& s) {
  if (!wait_advert_phase(iv.ms, phase)) return false;
  const int64_t t0 = now_ns();
  a.stop();
  const auto ms = takeover_ms(t0, iv.ms);
  s.term.push_back(ms.value_or(NAN));
  if (!ms) {
    ++s.failed;
    detail("no takeover seen by the client after SIGTERM; the directors' logs end:\n%s\n%s",
           tail_lines(a.log(), 25).c_str(), tail_lines(current_b_->log(), 25).c_str());
  }
  if (!a.wait_exit(milliseconds(10'000))) a.crash();
  a.start();
  return steady(iv.ms);
}

Series Failover::run_series(Daemon kind, Interval iv, const std::vector<double>& phases) {
  Series s;
  auto spec = [&](int prio) {
    return std::vector<InstanceSpec>{{"web", "eth0", 51, prio, iv.version, iv.ms, kVip}};
  };
  auto a = director(kind, 1, spec(200));
  auto b = director(kind, 2, spec(100));
  current_b_ = b.get();
  b->start();
  a->start();
  if (!steady(iv.ms)) {
    ADD_FAILURE() << daemon_name(kind) << " pair never settled at " << iv.ms << " ms:\n"
                  << a->log() << b->log();
    return s;
  }
  for (double phase : phases) {
    const int64_t rep_start = now_ns();
    if (!crash_once(*a, iv, phase, s) || !stop_once(*a, iv, phase, s)) {
      ADD_FAILURE() << daemon_name(kind) << " at " << iv.ms << " ms did not recover:\n"
                    << a->log() << b->log();
      break;
    }
    probe().forget_before(rep_start);
  }
  b->crash();
  a->crash();
  clear_addresses("192.0.2.100/32");
  return s;
}

std::string samples(const std::vector<double>& v) {
  std::string out;
  for (double x : v) out += std::isnan(x) ? "- " : std::to_string(static_cast<int>(x + 0.5)) + " ";
  return out;
}

TEST_F(Failover, ClientObservedFailoverPerAdvertInterval) {
  const int reps = repetitions();
  std::vector<double> phases;
  for (int k = 0; k < reps; ++k) phases.push_back((k + 0.5) / reps);
  std::shuffle(phases.begin(), phases.end(), std::mt19937(5798));
  std::vector<Interval> intervals = {{10, 3}, {50, 3}, {100, 3}, {1000, 2}};
  if (quick()) {
    intervals.pop_back();
    detail("--quick: the 1 s interval (VRRPv2) is skipped, %d repetitions", reps);
  }
  intervals = selected(intervals);
  probe();  // start listening before the first daemon
  for (const Interval iv : intervals) {
    Series hd = run_series(Daemon::kHadirector, iv, phases);
    Series ka = run_series(Daemon::kKeepalived, iv, phases);
    const std::string i = std::to_string(iv.ms) + "ms";
    const std::string v = "VRRPv" + std::to_string(iv.version);
    for (const auto& [who, s] : {std::pair{"hadirector", &hd}, std::pair{"keepalived", &ka}})
      detail("%s %s %s: kill [%s] since-advert [%s] term [%s] failed %d", who, i.c_str(), v.c_str(),
             samples(s->kill).c_str(), samples(s->kill_since_advert).c_str(),
             samples(s->term).c_str(), s->failed);
    char note[160];
    std::snprintf(note, sizeof note,
                  "%s, median of %d; floor 3x%d+%.1f = %.1f ms after the last advert", v.c_str(),
                  reps, iv.ms, skew_ms(iv.ms), master_down_ms(iv.ms));
    report("vrrp.failover_kill." + i, "ms", median(hd.kill), median(ka.kill), "<= ka+5", note);
    report("vrrp.failover_kill_since_last_advert." + i, "ms", median(hd.kill_since_advert),
           median(ka.kill_since_advert),
           "<= " + std::to_string(static_cast<int>(master_down_ms(iv.ms) + 5.5)),
           "protocol floor + 5 ms");
    std::snprintf(note, sizeof note, "%s, median of %d; floor Skew_Time %.1f ms", v.c_str(), reps,
                  skew_ms(iv.ms));
    report("vrrp.handoff_term." + i, "ms", median(hd.term), median(ka.term), "<= ka+5", note);
    EXPECT_EQ(hd.failed, 0) << "hadirector failovers that the client never saw complete";
  }
}

}  // namespace
}  // namespace hadirector::bench
