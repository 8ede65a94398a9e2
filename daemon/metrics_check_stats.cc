#include "daemon/metrics_check_stats.h"

namespace hadirector::daemon {

namespace {
// A misbehaving checker must not grow the results map without bound.
constexpr size_t kMaxReasons = 64;
}  // namespace

void CheckStats::record(const std::string& type, const std::string& reason,
                        std::chrono::nanoseconds latency) {
  PerType& t = types_[type];
  const double s = std::chrono::duration<double>(latency).count();
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (s <= kBuckets[i]) {
      ++t.buckets[i];
      break;
    }
  }
  t.sum_s += s;
  ++t.count;
  const std::string key = reason.empty() ? "unknown" : reason;
  if (t.results.size() < kMaxReasons || t.results.contains(key)) {
    ++t.results[key];
  } else {
    ++t.results["other"];
  }
}

nlohmann::json CheckStats::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [type, t] : types_) {
    nlohmann::json buckets = nlohmann::json::array();
    uint64_t cumulative = 0;
    for (uint64_t n : t.buckets) buckets.push_back(cumulative += n);
    out[type] = {
        {"buckets", buckets}, {"sum_s", t.sum_s}, {"count", t.count}, {"results", t.results}};
  }
  return out;
}

}  // namespace hadirector::daemon
