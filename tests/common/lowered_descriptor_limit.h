// Test helper: lowers the soft open-file limit for the length of a test (so a raise can be
// seen even where the limit starts at the hard one) and puts the saved limits back after.
#pragma once

#include <sys/resource.h>

#include <algorithm>

namespace hadirector::testing {

class LoweredDescriptorLimit {
 public:
  explicit LoweredDescriptorLimit(rlim_t soft) {
    ok_ = ::getrlimit(RLIMIT_NOFILE, &saved_) == 0 && saved_.rlim_max > soft;
    rlimit low = saved_;
    low.rlim_cur = soft;
    ok_ = ok_ && ::setrlimit(RLIMIT_NOFILE, &low) == 0;
  }
  ~LoweredDescriptorLimit() {
    if (ok_) ::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  LoweredDescriptorLimit(const LoweredDescriptorLimit&) = delete;
  LoweredDescriptorLimit& operator=(const LoweredDescriptorLimit&) = delete;

  // False when the hard limit is too low to lower the soft one below it.
  bool ok() const { return ok_; }
  // What a raise to the hard limit (capped at 2^20) gives.
  rlim_t raised() const { return std::min<rlim_t>(saved_.rlim_max, rlim_t{1} << 20); }
  static rlim_t soft_now() {
    rlimit now{};
    ::getrlimit(RLIMIT_NOFILE, &now);
    return now.rlim_cur;
  }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

}  // namespace hadirector::testing
