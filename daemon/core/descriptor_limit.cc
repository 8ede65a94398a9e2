#include "daemon/core/descriptor_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>

namespace hadirector::core {
namespace {

// The soft limit before the first raise; 0 until then. Atomic so a child reads it safely.
std::atomic<rlim_t> soft_before_raise{0};

}  // namespace

void raise_descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t want = std::min<rlim_t>(lim.rlim_max, rlim_t{1} << 20);
  if (lim.rlim_cur >= want) return;
  rlim_t unset = 0;
  soft_before_raise.compare_exchange_strong(unset, lim.rlim_cur);
  lim.rlim_cur = want;
  (void)::setrlimit(RLIMIT_NOFILE, &lim);
}

void restore_descriptor_limit_for_child() {
  const rlim_t before = soft_before_raise.load();
  rlimit lim{};
  if (before == 0 || ::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur <= before) return;
  lim.rlim_cur = before;
  (void)::setrlimit(RLIMIT_NOFILE, &lim);
}

}  // namespace hadirector::core
