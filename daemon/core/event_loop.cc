#include "daemon/core/event_loop.h"

#include <sys/epoll.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace hadirector::core {
namespace {

// One registration. sd-event's userdata points here; the Handle's cancel function owns it.
// Dispatch takes a shared_ptr for the duration of the callback, so a callback that destroys
// its own Handle (or another's) never frees the function it is running.
template <typename Fn>
struct Box : std::enable_shared_from_this<Box<Fn>> {
  explicit Box(Fn f) : fn(std::move(f)) {}
  ~Box() { sd_event_source_disable_unref(source); }
  Box(const Box&) = delete;
  Box& operator=(const Box&) = delete;

  // Stops dispatch at once, even while the callback is on the stack.
  void cancel() { source = sd_event_source_disable_unref(source); }

  sd_event_source* source = nullptr;
  Fn fn;
  bool fired = false;  // one-shot sources: dispatched already
};

template <typename Fn>
Handle make_handle(std::shared_ptr<Box<Fn>> box) {
  void* context = box.get();
  return Handle([box = std::move(box)] { box->cancel(); }, context);
}

// Runs a one-shot box's function. The function is moved out so its captures are released
// after the call even while the Handle lives on.
template <typename Fn, typename... Args>
void dispatch_once(void* userdata, Args&&... args) {
  auto* raw = static_cast<Box<Fn>*>(userdata);
  auto self = raw->shared_from_this();
  self->fired = true;
  Fn fn = std::move(self->fn);
  if (fn) fn(std::forward<Args>(args)...);
}

using SignalFn = std::function<void(const signalfd_siginfo&)>;
using ChildFn = std::function<void(const siginfo_t&)>;

int on_signal_event(sd_event_source*, const signalfd_siginfo* si, void* userdata) {
  auto self = static_cast<Box<SignalFn>*>(userdata)->shared_from_this();
  self->fn(*si);
  return 0;
}

int on_child(sd_event_source* source, const siginfo_t* si, void* userdata) {
  if (userdata == nullptr) {
    // An orphaned watch whose Handle was cancelled: reap the child and free the source.
    siginfo_t ignored{};
    waitid(P_PID, si->si_pid, &ignored, WEXITED | WNOHANG);
    // Leaving floating mode drops the loop's reference; the source is freed after dispatch.
    sd_event_source_set_floating(source, 0);
    return 0;
  }
  dispatch_once<ChildFn>(userdata, *si);
  return 0;
}

Status block_signal(int signo) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signo);
  int r = pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (r != 0) return fail_errno(r, "block signal " + std::to_string(signo));
  return {};
}

}  // namespace

// watch_fd_batched's shared state. Handles hold it by shared_ptr, so they may outlive the loop.
struct EventLoop::Batch : std::enable_shared_from_this<Batch> {
  struct Watch {
    std::function<void(uint32_t)> fn;
    int fd;
    bool live = true;
  };
  // Ready events taken per dispatch; more stay ready and come at the next iteration.
  static constexpr int kMaxEvents = 256;

  ~Batch() {
    source.cancel();
    if (epfd >= 0) ::close(epfd);
  }

  void dispatch() {
    auto self = shared_from_this();  // a callback may drop the last other reference
    epoll_event events[kMaxEvents];
    const int n = epoll_wait(epfd, events, kMaxEvents, 0);
    dispatching = true;
    for (int i = 0; i < n; ++i) {
      auto* watch = static_cast<Watch*>(events[i].data.ptr);
      // Cancelled by an earlier callback of this batch: its event was fetched before the close.
      if (watch->live) watch->fn(events[i].events);
    }
    dispatching = false;
    retired.clear();
  }

  void cancel(Watch* watch) {
    watch->live = false;
    ::close(watch->fd);
    // Its event may still be in the batch being dispatched (or it is the one running).
    if (dispatching)
      retired.emplace_back(watch);
    else
      delete watch;
  }

  int epfd = -1;
  Handle source;  // the inner epoll as one fd watch of the loop
  bool dispatching = false;
  std::vector<std::unique_ptr<Watch>> retired;
};

namespace {

// Batched watches' Handle contexts carry the low bit, so set_fd_events can tell them from
// sd-event boxes (both are heap pointers, aligned to more than 2).
void* tag_batched(void* watch) { return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(watch) | 1); }
bool is_batched(void* context) { return (reinterpret_cast<uintptr_t>(context) & 1) != 0; }
template <typename T>
T* untag(void* context) {
  return reinterpret_cast<T*>(reinterpret_cast<uintptr_t>(context) & ~uintptr_t{1});
}

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
  auto io = FdWatches::create();
  if (!io) return std::unexpected(io.error());
  sd_event* event = nullptr;
  int r = sd_event_new(&event);
  if (r < 0) return fail_errno(-r, "create event loop");
  std::unique_ptr<EventLoop> loop(new EventLoop(event, std::move(*io)));
  auto sd = loop->io_->add(sd_event_get_fd(event), EPOLLIN,
                           [l = loop.get()](uint32_t) { l->run_sd_event(); });
  if (!sd) return std::unexpected(sd.error());
  loop->sd_watch_ = std::move(*sd);
  return loop;
}

// Sources still held by Handles keep their own reference on the sd_event, and fd watches hold
// FdWatches weakly, so Handles that outlive the loop stay safe to cancel.
EventLoop::~EventLoop() {
  sd_watch_.cancel();
  sd_event_unref(event_);
}

TimePoint EventLoop::now() const { return std::chrono::steady_clock::now(); }

Handle EventLoop::schedule_at(TimePoint when, std::function<void()> fn) {
  return timers_.add(when, std::move(fn));
}

Result<Handle> EventLoop::watch_fd(int fd, uint32_t events, std::function<void(uint32_t)> fn) {
  return io_->add(fd, events, std::move(fn));
}

Result<Handle> EventLoop::watch_fd_batched(int fd, uint32_t events,
                                           std::function<void(uint32_t)> fn) {
  if (!batch_) {
    auto batch = std::make_shared<Batch>();
    batch->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (batch->epfd < 0) return fail_errno(errno, "create probe epoll");
    auto source = watch_fd(batch->epfd, EPOLLIN, [b = batch.get()](uint32_t) { b->dispatch(); });
    if (!source) return std::unexpected(source.error());
    // Answers already in are read before timers due in the same iteration: a probe's timeout
    // must not fire while its reply waits behind it (an overloaded loop would flap servers).
    if (auto st = dispatch_first(*source); !st) return std::unexpected(st.error());
    batch->source = std::move(*source);
    batch_ = std::move(batch);
  }
  auto* watch = new Batch::Watch{std::move(fn), fd};
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = watch;
  if (epoll_ctl(batch_->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    const int err = errno;
    delete watch;  // fd stays the caller's
    return fail_errno(err, "watch fd " + std::to_string(fd));
  }
  return Handle([batch = batch_, watch] { batch->cancel(watch); }, tag_batched(watch));
}

Status EventLoop::set_fd_events(const Handle& watch, uint32_t events) {
  if (is_batched(watch.context())) {
    auto* w = untag<Batch::Watch>(watch.context());
    HD_CHECK(batch_ != nullptr);
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = w;
    if (epoll_ctl(batch_->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
      return fail_errno(errno, "change fd watch events");
    return {};
  }
  return io_->set_events(watch.context(), events);
}

Status EventLoop::dispatch_first(const Handle& watch) {
  if (is_batched(watch.context())) return fail(Errc::kInvalid, "batched fd watches have no priority");
  return io_->set_first(watch.context());
}

Result<Handle> EventLoop::on_signal(int signo, std::function<void(const signalfd_siginfo&)> fn) {
  if (auto st = block_signal(signo); !st) return std::unexpected(st.error());
  auto box = std::make_shared<Box<SignalFn>>(std::move(fn));
  int r = sd_event_add_signal(event_, &box->source, signo, on_signal_event, box.get());
  if (r < 0) return fail_errno(-r, "watch signal " + std::to_string(signo));
  return make_handle(std::move(box));
}

Result<Handle> EventLoop::watch_child(pid_t pid, std::function<void(const siginfo_t&)> fn) {
  if (auto st = block_signal(SIGCHLD); !st) return std::unexpected(st.error());
  auto box = std::make_shared<Box<ChildFn>>(std::move(fn));
  int r = sd_event_add_child(event_, &box->source, pid, WEXITED, on_child, box.get());
  if (r < 0) return fail_errno(-r, "watch child " + std::to_string(pid));
  void* context = box.get();
  return Handle(
      [box = std::move(box)] {
        if (box->fired || box->source == nullptr) {
          box->cancel();
          return;
        }
        // The child still runs: hand the source to the loop so the zombie is reaped later.
        sd_event_source_set_userdata(box->source, nullptr);
        sd_event_source_set_floating(box->source, 1);
        box->source = sd_event_source_unref(box->source);
      },
      context);
}

// A timer already due: it runs at the next iteration, in the order defers were made.
Handle EventLoop::defer(std::function<void()> fn) {
  return timers_.add(TimePoint{}, std::move(fn));
}

Result<int> EventLoop::run() {
  while (!exit_requested_)
    if (auto st = iterate(std::nullopt); !st) return std::unexpected(st.error());
  return exit_code_;
}

Status EventLoop::run_once(Duration timeout) {
  return iterate(std::max(timeout, Duration::zero()));
}

std::optional<Duration> EventLoop::wait_for(std::optional<Duration> max_wait) {
  std::optional<Duration> wait = max_wait;
  if (auto next = timers_.next_deadline()) {
    Duration until = std::max(*next - now(), Duration::zero());
    if (!wait || until < *wait) wait = until;
  }
  return wait;
}

// sd-event dispatches one source per run; a few per iteration, the rest stay ready.
void EventLoop::run_sd_event() {
  for (int i = 0; i < 8; ++i)
    if (sd_event_run(event_, 0) <= 0) return;
}

// Watches made first by dispatch_first run before timers (input that decides whether a due
// timer still matters), then timers, then the other watches. When first watches ran and timers
// are due, input that arrived meanwhile is looked for once more before the timers run.
Status EventLoop::iterate(std::optional<Duration> max_wait) {
  std::shared_ptr<FdWatches> io = io_;
  if (auto st = io->wait(wait_for(max_wait)); !st) return st;
  if (io->dispatch(true) > 0) {
    auto next = timers_.next_deadline();
    if (next && *next <= now()) {
      if (auto st = io->wait(Duration::zero()); !st) return st;
      io->dispatch(true);
    }
  }
  timers_.run_due(now());
  io->dispatch(false);
  io->clear();
  return {};
}

Result<bool> EventLoop::run_until(const std::function<bool()>& done, Duration timeout) {
  const TimePoint deadline = now() + timeout;
  while (!done()) {
    TimePoint t = now();
    if (t >= deadline) return false;
    // Wake at least every 10 ms so done() may also watch state outside the loop.
    Duration wait = std::min<Duration>(deadline - t, std::chrono::milliseconds(10));
    if (auto st = run_once(wait); !st) return std::unexpected(st.error());
  }
  return true;
}

void EventLoop::exit(int code) {
  exit_requested_ = true;
  exit_code_ = code;
}

}  // namespace hadirector::core
