// Check latency histograms and results by reason, accumulated per check type for one virtual
// server (the checker worker keeps one per virtual server and reports it in the status; /metrics
// turns it into hadirector_check_duration_seconds and hadirector_check_results_total).
// Per virtual server and type rather than per real server: 10,000 checks times 14 buckets would
// be 140,000 series; the per-check last latency stays available as a gauge. Pure.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace hadirector::daemon {

class CheckStats {
 public:
  // Upper bounds in seconds; a sample lands in the first bucket it fits (the +Inf bucket is
  // the count).
  static constexpr std::array<double, 13> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

  void record(const std::string& type, const std::string& reason, std::chrono::nanoseconds latency);
  // {"TYPE": {"buckets": [cumulative counts per bound], "sum_s": S, "count": N,
  //           "results": {"REASON": N}}}
  nlohmann::json to_json() const;

 private:
  struct PerType {
    std::array<uint64_t, kBuckets.size()> buckets{};  // not cumulative
    double sum_s = 0;
    uint64_t count = 0;
    std::map<std::string, uint64_t> results;
  };
  std::map<std::string, PerType> types_;
};

}  // namespace hadirector::daemon
