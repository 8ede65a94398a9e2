// Prometheus text exposition (format 0.0.4) of the daemon's status: a pure function from the
// merged status JSON (as `hadirectorctl status --json` shows it) and the supervisor's own facts
// to the /metrics body. No I/O; metrics_server.h serves the result.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace hadirector::daemon {

struct SupervisorFacts {
  struct Worker {
    std::string name;
    bool up = false;  // running and ready
    uint64_t restarts = 0;
  };
  uint64_t generation = 0;
  bool last_reload_ok = true;
  std::vector<Worker> workers;
};

// The Content-Type that goes with format_metrics()'s output.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Every family has HELP and TYPE lines; families without samples are left out.
std::string format_metrics(const nlohmann::json& status, const SupervisorFacts& facts);

// A label value escaped for the exposition format: backslash, double quote and line feed.
std::string escape_label_value(std::string_view value);

}  // namespace hadirector::daemon
