#include "daemon/request_rate_limiter.h"

#include <algorithm>
#include <chrono>

namespace hadirector::daemon {

bool RequestRateLimiter::admit(uid_t uid, core::TimePoint now) {
  // A full bucket is the same as no bucket: forget those, so the map stays as small as the set
  // of peers that are busy right now.
  if (buckets_.size() > 1024) {
    std::erase_if(buckets_, [&](const auto& entry) {
      const double idle = std::chrono::duration<double>(now - entry.second.updated).count();
      return entry.second.tokens + idle * rate_ >= burst_;
    });
  }
  auto [it, fresh] = buckets_.try_emplace(uid, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh && now > b.updated) {
    b.tokens = std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.updated).count() * rate_);
    b.updated = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace hadirector::daemon
