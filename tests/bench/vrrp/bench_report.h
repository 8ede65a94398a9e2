// How a benchmark of tests/bench reports: one `BENCH name|unit|hadirector|keepalived|target|note`
// line per figure on stdout (the runner's interface, see tests/bench/README.md), and the run's
// options (--quick). Figures that could not be measured are printed as "nan".
#pragma once

#include <string>
#include <vector>

namespace hadirector::bench {

// Set once by main() from --quick: fewer repetitions, shorter windows.
bool quick();
void set_quick(bool on);
// A measuring window in seconds: HD_BENCH_VRRP_WINDOW when set (longer windows average out a
// shared machine's noise), else `quick_s` or `full_s` by the mode.
int window_seconds(int quick_s, int full_s);

// Median of the values (nan when empty).
double median(std::vector<double> values);

// Prints a BENCH line. `target` is "OP EXPR" with OP one of <= < == >= > and EXPR a number or
// [k*]ka[+c|-c] (ka: keepalived's figure), or "-" for a figure without a target.
void report(const std::string& name, const std::string& unit, double hadirector, double keepalived,
            const std::string& target, const std::string& note = "");

// A progress or detail line (stderr, so it never mixes with the BENCH protocol).
void detail(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace hadirector::bench
