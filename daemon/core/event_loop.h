// The production event loop. Fd watches sit on an epoll of our own (FdWatches) and timers in a
// heap of our own (TimerHeap): a wake-up for input or a timer costs one epoll_pwait2, whose
// timeout is the earliest deadline. sd-event, one fd of that epoll, serves the rare sources
// (signalfd, pidfd child watches). One per process, single-threaded. raw() hands sd-event out
// for glue that needs it; drive the loop only through run()/run_once().
#pragma once

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "daemon/core/fd_watches.h"
#include "daemon/core/handle.h"
#include "daemon/core/result.h"
#include "daemon/core/scheduler.h"
#include "daemon/core/timer_heap.h"

typedef struct sd_event sd_event;

namespace hadirector::core {

class EventLoop final : public Scheduler {
 public:
  static Result<std::unique_ptr<EventLoop>> create();
  ~EventLoop() override;

  TimePoint now() const override;
  [[nodiscard]] Handle schedule_at(TimePoint when, std::function<void()> fn) override;

  // Calls fn(revents) while fd has any of `events` (EPOLLIN, EPOLLOUT, ...). The fd is not owned.
  [[nodiscard]] Result<Handle> watch_fd(int fd, uint32_t events,
                                        std::function<void(uint32_t revents)> fn);
  // Like watch_fd, for many short-lived sockets (health-check probes): their fds share one inner
  // epoll that is a single watch of this loop, and the watch owns fd once this succeeds:
  // cancelling it closes fd, which also drops it from the inner epoll, so a probe's socket costs
  // no removal call (a watch_fd watch must be cancelled, one epoll_ctl, before its fd closes). They are dispatched before timers due in the same
  // iteration (as with dispatch_first). set_fd_events works on them, dispatch_first does not.
  [[nodiscard]] Result<Handle> watch_fd_batched(int fd, uint32_t events,
                                                std::function<void(uint32_t revents)> fn);
  // Changes the events of a watch made by watch_fd or watch_fd_batched.
  Status set_fd_events(const Handle& watch, uint32_t events);
  // Dispatches a watch made by watch_fd before timers and other sources that are due in the
  // same iteration (input that arrives while a due timer waits is looked for first, too). For
  // input that decides whether a due timer still matters: after a stall, VRRP adverts already
  // queued must be read before an overdue master-down timer fires.
  Status dispatch_first(const Handle& watch);

  // Blocks signo for the process and calls fn each time it arrives. Cancelling leaves the
  // signal blocked: unblocking could deliver a pending one with its default action.
  [[nodiscard]] Result<Handle> on_signal(int signo,
                                         std::function<void(const signalfd_siginfo&)> fn);

  // Calls fn once when the child exits (or is killed); SIGCHLD is blocked as sd-event requires.
  // The child is reaped by the loop, also when the handle is cancelled before the child exits.
  [[nodiscard]] Result<Handle> watch_child(pid_t pid, std::function<void(const siginfo_t&)> fn);

  // Runs fn on the next loop iteration.
  [[nodiscard]] Handle defer(std::function<void()> fn);

  // Runs until exit() is called; returns the exit code passed to exit().
  Result<int> run();
  // Runs one iteration, waiting at most `timeout` for an event. For tests that drive the loop.
  Status run_once(Duration timeout);
  // Runs iterations until done() returns true (-> true) or `timeout` passes (-> false). For
  // component tests and bounded waits; done() is checked before each iteration and at least
  // every 10 ms.
  Result<bool> run_until(const std::function<bool()>& done, Duration timeout);
  void exit(int code = 0);

  sd_event* raw() const { return event_; }

 private:
  struct Batch;
  EventLoop(sd_event* event, std::shared_ptr<FdWatches> io) : event_(event), io_(std::move(io)) {}
  // One iteration: wait for input or the next timer (at most max_wait; nullopt: no limit), then
  // dispatch.
  Status iterate(std::optional<Duration> max_wait);
  std::optional<Duration> wait_for(std::optional<Duration> max_wait);
  void run_sd_event();

  sd_event* event_;
  std::shared_ptr<FdWatches> io_;
  TimerHeap timers_;
  Handle sd_watch_;  // sd-event's epoll fd as one of ours
  bool exit_requested_ = false;
  int exit_code_ = 0;
  std::shared_ptr<Batch> batch_;  // watch_fd_batched's inner epoll, made on first use
};

}  // namespace hadirector::core
