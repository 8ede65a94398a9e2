#include "tests/bench/vrrp/bench_report.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace hadirector::bench {
namespace {

bool quick_mode = false;

std::string number(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

bool quick() { return quick_mode; }
void set_quick(bool on) { quick_mode = on; }

int window_seconds(int quick_s, int full_s) {
  if (const char* env = std::getenv("HD_BENCH_VRRP_WINDOW")) return std::max(1, std::atoi(env));
  return quick_mode ? quick_s : full_s;
}

double median(std::vector<double> values) {
  std::erase_if(values, [](double v) { return std::isnan(v); });
  if (values.empty()) return NAN;
  std::ranges::sort(values);
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void report(const std::string& name, const std::string& unit, double hadirector, double keepalived,
            const std::string& target, const std::string& note) {
  std::printf("BENCH %s|%s|%s|%s|%s|%s\n", name.c_str(), unit.c_str(), number(hadirector).c_str(),
              number(keepalived).c_str(), target.c_str(), note.c_str());
  std::fflush(stdout);
}

void detail(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::fputs("  ", stderr);
  std::vfprintf(stderr, format, args);
  std::fputc('\n', stderr);
  va_end(args);
}

}  // namespace hadirector::bench
