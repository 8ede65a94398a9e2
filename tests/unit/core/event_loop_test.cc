// Component tests of the sd-event wrapper: real timers, fds and signals, each bounded well
// under a second by run_until's deadline.
#include "daemon/core/event_loop.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

namespace hadirector::core {
namespace {

using namespace std::chrono_literals;

constexpr Duration kDeadline = 1s;

std::unique_ptr<EventLoop> make_loop() {
  auto loop = EventLoop::create();
  EXPECT_TRUE(loop.has_value());
  return std::move(*loop);
}

bool run_until(EventLoop& loop, const std::function<bool()>& done) {
  auto r = loop.run_until(done, kDeadline);
  EXPECT_TRUE(r.has_value());
  return r.value_or(false);
}

TEST(EventLoop, TimersFireInDeadlineOrder) {
  auto loop = make_loop();
  std::vector<int> order;
  Handle late = loop->schedule_after(30ms, [&] { order.push_back(3); });
  Handle early = loop->schedule_after(5ms, [&] { order.push_back(1); });
  Handle middle = loop->schedule_after(15ms, [&] { order.push_back(2); });
  ASSERT_TRUE(run_until(*loop, [&] { return order.size() == 3; }));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoop, TimerDoesNotFireBeforeItsDeadline) {
  auto loop = make_loop();
  TimePoint start = loop->now();
  TimePoint fired_at{};
  Handle h = loop->schedule_after(20ms, [&] { fired_at = loop->now(); });
  ASSERT_TRUE(run_until(*loop, [&] { return fired_at != TimePoint{}; }));
  EXPECT_GE(fired_at - start, 20ms);
  // Default sd-event accuracy would allow 250 ms of slack; ours must be far tighter.
  EXPECT_LT(fired_at - start, 200ms);
}

TEST(EventLoop, TimerInThePastFiresOnNextIteration) {
  auto loop = make_loop();
  bool fired = false;
  Handle h = loop->schedule_at(loop->now() - 1s, [&] { fired = true; });
  ASSERT_TRUE(run_until(*loop, [&] { return fired; }));
}

TEST(EventLoop, CancelledTimerNeverFires) {
  auto loop = make_loop();
  bool cancelled_fired = false;
  bool witness = false;
  Handle h = loop->schedule_after(1ms, [&] { cancelled_fired = true; });
  Handle w = loop->schedule_after(10ms, [&] { witness = true; });
  h.cancel();
  EXPECT_FALSE(h);
  ASSERT_TRUE(run_until(*loop, [&] { return witness; }));
  EXPECT_FALSE(cancelled_fired);
}

TEST(EventLoop, DestroyedHandleCancelsTimer) {
  auto loop = make_loop();
  bool fired = false;
  bool witness = false;
  {
    Handle h = loop->schedule_after(1ms, [&] { fired = true; });
  }
  Handle w = loop->schedule_after(10ms, [&] { witness = true; });
  ASSERT_TRUE(run_until(*loop, [&] { return witness; }));
  EXPECT_FALSE(fired);
}

TEST(EventLoop, CallbackMayDestroyItsOwnHandle) {
  auto loop = make_loop();
  auto handle = std::make_unique<Handle>();
  int calls = 0;
  // The captured string is owned by the callback; reading it after the reset would be a
  // use-after-free if the callback box died with the handle (ASan builds catch that).
  std::string tag = "still alive";
  std::string seen;
  *handle = loop->schedule_after(1ms, [&, tag] {
    handle.reset();
    seen = tag;
    ++calls;
  });
  ASSERT_TRUE(run_until(*loop, [&] { return calls == 1; }));
  EXPECT_EQ(seen, "still alive");
  EXPECT_EQ(handle, nullptr);
}

TEST(EventLoop, CallbackMayCancelAnotherSourceDueInTheSameIteration) {
  auto loop = make_loop();
  TimePoint when = loop->now() + 2ms;
  Handle second;
  bool second_fired = false;
  bool first_fired = false;
  Handle first = loop->schedule_at(when, [&] {
    first_fired = true;
    second = Handle();
  });
  second = loop->schedule_at(when + 1us, [&] { second_fired = true; });
  ASSERT_TRUE(run_until(*loop, [&] { return first_fired; }));
  // sd-event dispatches one source per iteration: the second timer, due already, would run
  // in the next one had it not been cancelled.
  ASSERT_TRUE(loop->run_once(5ms).has_value());
  EXPECT_TRUE(first_fired);
  EXPECT_FALSE(second_fired);
}

// Timers live in the loop's own heap: the epoll wait ends at the deadline. A timerfd per timer
// (sd-event time sources) cost a re-arm and a read on every VRRP advert.
int timerfds_open() {
  int n = 0;
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    auto target = std::filesystem::read_symlink(fd.path(), ec);
    if (!ec && target.string() == "anon_inode:[timerfd]") ++n;
  }
  return n;
}

TEST(EventLoop, TimersArmNoTimerfd) {
  auto loop = make_loop();
  const int before = timerfds_open();
  int fired = 0;
  std::vector<Handle> handles;
  for (int i = 1; i <= 5; ++i) handles.push_back(loop->schedule_after(i * 1ms, [&] { ++fired; }));
  ASSERT_TRUE(run_until(*loop, [&] { return fired == 5; }));
  EXPECT_EQ(timerfds_open(), before);
}

TEST(EventLoop, RunFiresTimersUntilExit) {
  auto loop = make_loop();
  int ticks = 0;
  Handle tick;
  std::function<void()> again = [&] {
    if (++ticks == 3) return loop->exit(7);
    tick = loop->schedule_after(1ms, again);
  };
  tick = loop->schedule_after(1ms, again);
  auto code = loop->run();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 7);
  EXPECT_EQ(ticks, 3);
}

TEST(EventLoop, FdWatchReportsReadableSocketpair) {
  auto loop = make_loop();
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
  std::string received;
  auto watch = loop->watch_fd(sv[0], EPOLLIN, [&](uint32_t revents) {
    EXPECT_TRUE(revents & EPOLLIN);
    char buf[64];
    ssize_t n = read(sv[0], buf, sizeof(buf));
    if (n > 0) received.append(buf, static_cast<size_t>(n));
  });
  ASSERT_TRUE(watch.has_value());
  ASSERT_EQ(write(sv[1], "ping", 4), 4);
  ASSERT_TRUE(run_until(*loop, [&] { return received == "ping"; }));
  close(sv[0]);
  close(sv[1]);
}

// Both sockets are ready in the same wait: whichever callback runs first cancels the other watch
// (and its own), and the cancelled one is not called with the event fetched before.
TEST(EventLoop, WatchCancelledByAnEarlierCallbackOfTheIterationIsNotCalled) {
  auto loop = make_loop();
  int a[2], b[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, a), 0);
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, b), 0);
  Handle wa, wb;
  int calls = 0;
  auto on_ready = [&](uint32_t) {
    ++calls;
    wa.cancel();
    wb.cancel();
  };
  auto ra = loop->watch_fd(a[0], EPOLLIN, on_ready);
  auto rb = loop->watch_fd(b[0], EPOLLIN, on_ready);
  ASSERT_TRUE(ra.has_value() && rb.has_value());
  wa = std::move(*ra);
  wb = std::move(*rb);
  ASSERT_EQ(write(a[1], "x", 1), 1);
  ASSERT_EQ(write(b[1], "x", 1), 1);
  ASSERT_TRUE(run_until(*loop, [&] { return calls > 0; }));
  ASSERT_TRUE(loop->run_once(5ms).has_value());
  EXPECT_EQ(calls, 1);
  for (int fd : {a[0], a[1], b[0], b[1]}) close(fd);
}

TEST(EventLoop, SetFdEventsSwitchesToWritable) {
  auto loop = make_loop();
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
  uint32_t seen = 0;
  auto watch = loop->watch_fd(sv[0], EPOLLIN, [&](uint32_t revents) { seen |= revents; });
  ASSERT_TRUE(watch.has_value());
  ASSERT_TRUE(loop->run_once(5ms).has_value());
  EXPECT_EQ(seen, 0u);  // nothing to read, EPOLLOUT not asked for
  ASSERT_TRUE(loop->set_fd_events(*watch, EPOLLOUT).has_value());
  ASSERT_TRUE(run_until(*loop, [&] { return (seen & EPOLLOUT) != 0; }));
  watch->cancel();
  EXPECT_FALSE(loop->set_fd_events(*watch, EPOLLIN).has_value());
  close(sv[0]);
  close(sv[1]);
}

// The stall case: a timer already overdue (pending since an earlier iteration) and input that
// arrives while another source runs. Without dispatch_first the older pending timer runs first.
TEST(EventLoop, FirstDispatchedWatchRunsBeforeAnOverdueTimer) {
  for (bool first : {false, true}) {
    auto loop = make_loop();
    int kick[2], input[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, kick), 0);
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, input), 0);
    std::vector<std::string> order;
    char buf[8];
    // Runs first in iteration 1 (where the timer also becomes pending) and makes `input`
    // readable, so `input` becomes pending only in iteration 2.
    auto kicker = loop->watch_fd(kick[0], EPOLLIN, [&](uint32_t) {
      if (read(kick[0], buf, sizeof buf) > 0) {
        EXPECT_EQ(write(input[1], "x", 1), 1);
      }
    });
    auto watch = loop->watch_fd(input[0], EPOLLIN, [&](uint32_t) {
      if (read(input[0], buf, sizeof buf) > 0) order.push_back("input");
    });
    ASSERT_TRUE(kicker.has_value() && watch.has_value());
    ASSERT_TRUE(loop->dispatch_first(*kicker).has_value());
    if (first) {
      ASSERT_TRUE(loop->dispatch_first(*watch).has_value());
    }
    Handle timer = loop->schedule_at(loop->now() - 1ms, [&] { order.push_back("timer"); });
    ASSERT_EQ(write(kick[1], "k", 1), 1);
    ASSERT_TRUE(run_until(*loop, [&] { return order.size() == 2; }));
    EXPECT_EQ(order.front(), first ? "input" : "timer") << "dispatch_first=" << first;
    watch->cancel();
    EXPECT_FALSE(loop->dispatch_first(*watch).has_value());
    for (int fd : {kick[0], kick[1], input[0], input[1]}) close(fd);
  }
}

TEST(EventLoop, SignalIsDeliveredToCallback) {
  auto loop = make_loop();
  int got = 0;
  auto sig = loop->on_signal(
      SIGUSR2, [&](const signalfd_siginfo& si) { got = static_cast<int>(si.ssi_signo); });
  ASSERT_TRUE(sig.has_value());
  ASSERT_EQ(raise(SIGUSR2), 0);
  ASSERT_TRUE(run_until(*loop, [&] { return got != 0; }));
  EXPECT_EQ(got, SIGUSR2);
  // The signal was consumed through the signalfd, so nothing is left pending for other tests.
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGUSR2));
}

TEST(EventLoop, DeferRunsOnceOnNextIteration) {
  auto loop = make_loop();
  int calls = 0;
  Handle d = loop->defer([&] { ++calls; });
  EXPECT_EQ(calls, 0);
  ASSERT_TRUE(loop->run_once(10ms).has_value());
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(loop->run_once(5ms).has_value());
  EXPECT_EQ(calls, 1);
}

TEST(EventLoop, ChildWatchReportsExitStatusAndReaps) {
  auto loop = make_loop();
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &chld, nullptr), 0);  // before fork, as sd-event wants
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(7);
  int status = -1;
  auto watch = loop->watch_child(pid, [&](const siginfo_t& si) {
    EXPECT_EQ(si.si_code, CLD_EXITED);
    status = si.si_status;
  });
  ASSERT_TRUE(watch.has_value());
  ASSERT_TRUE(run_until(*loop, [&] { return status != -1; }));
  EXPECT_EQ(status, 7);
  siginfo_t si{};
  EXPECT_EQ(waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(EventLoop, CancelledChildWatchStillReapsTheChild) {
  auto loop = make_loop();
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &chld, nullptr), 0);
  int gate[2];
  ASSERT_EQ(pipe2(gate, O_CLOEXEC), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    char c;
    close(gate[1]);
    _exit(read(gate[0], &c, 1) == 0 ? 0 : 1);  // exits when the parent closes the pipe
  }
  close(gate[0]);
  bool called = false;
  auto watch = loop->watch_child(pid, [&](const siginfo_t&) { called = true; });
  ASSERT_TRUE(watch.has_value());
  watch->cancel();
  close(gate[1]);
  // kill(pid, 0) succeeds on a zombie, so ESRCH means the loop reaped it.
  ASSERT_TRUE(run_until(*loop, [&] { return kill(pid, 0) == -1 && errno == ESRCH; }));
  EXPECT_FALSE(called);
}

TEST(EventLoop, ExitStopsRunWithCode) {
  auto loop = make_loop();
  Handle h = loop->schedule_after(1ms, [&] { loop->exit(3); });
  auto code = loop->run();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 3);
}

TEST(EventLoop, HandleOutlivingLoopIsSafeToDestroy) {
  Handle h;
  {
    auto loop = make_loop();
    h = loop->schedule_after(1s, [] {});
  }
  h.cancel();
  EXPECT_FALSE(h);
}

}  // namespace
}  // namespace hadirector::core
