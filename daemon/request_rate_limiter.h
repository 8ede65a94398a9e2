// How many control requests each unprivileged peer may make: a token bucket per uid, so that a
// monitoring loop gone wrong (or a local user) cannot keep the supervisor busy answering status
// requests. Pure: the caller passes the time. Root is not limited here; the caller decides.
#pragma once

#include <sys/types.h>

#include <unordered_map>

#include "daemon/core/scheduler.h"

namespace hadirector::daemon {

class RequestRateLimiter {
 public:
  // `per_second` tokens are added each second up to `burst`; one request takes one token.
  RequestRateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}

  // Whether a request from `uid` at `now` is admitted (and its token taken).
  bool admit(uid_t uid, core::TimePoint now);
  size_t tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    core::TimePoint updated;
  };
  double rate_;
  double burst_;
  std::unordered_map<uid_t, Bucket> buckets_;
};

}  // namespace hadirector::daemon
