#include "daemon/core/fd_watches.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace hadirector::core {
namespace {

// Ready fds taken per wait; more stay ready and come at the next one.
constexpr int kMaxEvents = 64;

// epoll_pwait2 takes nanoseconds: a timer is not rounded up to the next millisecond. Kernels
// before 5.11 lack it (ENOSYS), and a seccomp filter written before it may refuse it (EPERM);
// epoll_wait then rounds up, never waking before the deadline.
int wait_for(int epfd, epoll_event* events, std::optional<Duration> timeout) {
  static bool have_pwait2 = true;
  if (have_pwait2) {
    timespec ts{};
    if (timeout) {
      const auto ns = std::max<int64_t>(timeout->count(), 0);
      ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    }
    const int n = ::epoll_pwait2(epfd, events, kMaxEvents, timeout ? &ts : nullptr, nullptr);
    if (n >= 0 || (errno != ENOSYS && errno != EPERM)) return n;
    have_pwait2 = false;
  }
  int ms = -1;
  if (timeout)
    ms = static_cast<int>(std::max<int64_t>((timeout->count() + 999'999) / 1'000'000, 0));
  return ::epoll_wait(epfd, events, kMaxEvents, ms);
}

}  // namespace

Result<std::shared_ptr<FdWatches>> FdWatches::create() {
  const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return fail_errno(errno, "create event loop epoll");
  return std::shared_ptr<FdWatches>(new FdWatches(epfd));
}

FdWatches::~FdWatches() { ::close(epfd_); }

Result<Handle> FdWatches::add(int fd, uint32_t events, std::function<void(uint32_t)> fn) {
  const uint64_t key = next_key_++;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = key;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0)
    return fail_errno(errno, "watch fd " + std::to_string(fd));
  auto watch = std::make_unique<Watch>(Watch{std::move(fn), fd, key});
  void* context = watch.get();
  watches_.emplace(key, std::move(watch));
  return Handle(
      [weak = weak_from_this(), key] {
        if (auto self = weak.lock()) self->cancel(key);
      },
      context);
}

void FdWatches::cancel(uint64_t key) {
  auto it = watches_.find(key);
  if (it == watches_.end()) return;
  // Fails harmlessly when the fd is closed already (the kernel dropped it then).
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, it->second->fd, nullptr);
  if (dispatching_ > 0) retired_.push_back(std::move(it->second));
  watches_.erase(it);
}

Status FdWatches::set_events(void* context, uint32_t events) {
  auto* watch = static_cast<Watch*>(context);
  if (watch == nullptr) return fail(Errc::kInvalid, "fd watch cancelled");
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = watch->key;
  if (::epoll_ctl(epfd_, EPOLL_CTL_MOD, watch->fd, &ev) < 0)
    return fail_errno(errno, "change fd watch events");
  return {};
}

Status FdWatches::set_first(void* context) {
  auto* watch = static_cast<Watch*>(context);
  if (watch == nullptr) return fail(Errc::kInvalid, "fd watch cancelled");
  watch->first = true;
  return {};
}

Status FdWatches::wait(std::optional<Duration> timeout) {
  epoll_event events[kMaxEvents];
  const int n = wait_for(epfd_, events, timeout);
  if (n < 0) {
    if (errno == EINTR) return {};
    return fail_errno(errno, "wait for events");
  }
  const size_t kept = ready_.size();
  for (int i = 0; i < n; ++i) {
    bool merged = false;
    for (size_t j = 0; j < kept && !merged; ++j) {
      if (ready_[j].key != events[i].data.u64 || ready_[j].done) continue;
      ready_[j].events |= events[i].events;
      merged = true;
    }
    if (!merged) ready_.push_back({events[i].data.u64, events[i].events});
  }
  return {};
}

size_t FdWatches::dispatch(bool first) {
  auto self = shared_from_this();  // a callback may drop the loop's reference
  ++dispatching_;
  size_t called = 0;
  for (size_t i = 0; i < ready_.size(); ++i) {
    if (ready_[i].done) continue;
    auto it = watches_.find(ready_[i].key);
    if (it == watches_.end()) {
      ready_[i].done = true;  // cancelled since the wait
      continue;
    }
    Watch* watch = it->second.get();
    if (watch->first != first) continue;
    ready_[i].done = true;
    ++called;
    watch->fn(ready_[i].events);
  }
  if (--dispatching_ == 0) retired_.clear();
  return called;
}

}  // namespace hadirector::core
