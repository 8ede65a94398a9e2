// Component tests of EventLoop::watch_fd_batched: the inner epoll shared by probe sockets.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <string>
#include <vector>

#include "daemon/core/event_loop.h"

namespace hadirector::core {
namespace {

using namespace std::chrono_literals;

struct Pair {
  Pair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd), 0); }
  ~Pair() {
    if (fd[1] >= 0) ::close(fd[1]);  // fd[0] belongs to the watch
  }
  int fd[2] = {-1, -1};
};

bool fd_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

class BatchedWatch : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
  }
  bool run_until(const std::function<bool()>& done) {
    auto r = loop_->run_until(done, 1s);
    return r && *r;
  }
  std::unique_ptr<EventLoop> loop_;
};

TEST_F(BatchedWatch, ReadyFdsAreAllDispatchedAndCancelClosesTheFd) {
  std::array<Pair, 3> pairs;
  std::vector<Handle> watches;
  std::vector<int> seen;
  for (int i = 0; i < 3; ++i) {
    auto w = loop_->watch_fd_batched(pairs[i].fd[0], EPOLLIN | EPOLLET, [&seen, i](uint32_t ev) {
      if (ev & EPOLLIN) seen.push_back(i);
    });
    ASSERT_TRUE(w) << w.error().message();
    watches.push_back(std::move(*w));
  }
  for (auto& p : pairs) ASSERT_EQ(::write(p.fd[1], "x", 1), 1);
  ASSERT_TRUE(run_until([&] { return seen.size() == 3; }));
  const int fd = pairs[0].fd[0];
  EXPECT_TRUE(fd_open(fd));
  watches[0].cancel();
  EXPECT_FALSE(fd_open(fd));  // the watch owned it
}

TEST_F(BatchedWatch, MoreReadyFdsThanOneDispatchTakesAreAllServed) {
  // One dispatch takes at most 256 events; the rest must come at the next iterations.
  constexpr int kCount = 300;
  std::vector<Pair> pairs(kCount);
  std::vector<Handle> watches;
  int seen = 0;
  for (auto& p : pairs) {
    auto w = loop_->watch_fd_batched(p.fd[0], EPOLLIN | EPOLLET, [&](uint32_t) { ++seen; });
    ASSERT_TRUE(w) << w.error().message();
    watches.push_back(std::move(*w));
    ASSERT_EQ(::write(p.fd[1], "x", 1), 1);
  }
  ASSERT_TRUE(run_until([&] { return seen == kCount; })) << seen;
}

TEST_F(BatchedWatch, ReadyFdsAreDispatchedBeforeAnOverdueTimer) {
  Pair kick, input;
  std::vector<std::string> order;
  char buf[8];
  // The kicker runs first in iteration 1, where the timer also becomes pending, and makes
  // `input` readable: without its priority the batch would come after the timer.
  auto kicker = loop_->watch_fd(kick.fd[0], EPOLLIN, [&](uint32_t) {
    if (::read(kick.fd[0], buf, sizeof buf) > 0) {
      EXPECT_EQ(::write(input.fd[1], "x", 1), 1);
    }
  });
  ASSERT_TRUE(kicker && loop_->dispatch_first(*kicker));
  auto watch = loop_->watch_fd_batched(input.fd[0], EPOLLIN, [&](uint32_t) {
    if (::read(input.fd[0], buf, sizeof buf) > 0) order.push_back("input");
  });
  ASSERT_TRUE(watch);
  Handle timer = loop_->schedule_at(loop_->now() - 1ms, [&] { order.push_back("timer"); });
  ASSERT_EQ(::write(kick.fd[1], "k", 1), 1);
  ASSERT_TRUE(run_until([&] { return order.size() == 2; }));
  EXPECT_EQ(order.front(), "input");
  kicker->cancel();
  ::close(kick.fd[0]);
}

TEST_F(BatchedWatch, CallbackCancellingAnotherReadyWatchStopsItsCall) {
  Pair a, b;
  int calls = 0;
  Handle wa, wb;
  auto on_ready = [&](uint32_t) {
    ++calls;
    wa.cancel();  // whichever runs first cancels both: the other must not run
    wb.cancel();
  };
  wa = std::move(*loop_->watch_fd_batched(a.fd[0], EPOLLIN, on_ready));
  wb = std::move(*loop_->watch_fd_batched(b.fd[0], EPOLLIN, on_ready));
  ASSERT_EQ(::write(a.fd[1], "x", 1), 1);
  ASSERT_EQ(::write(b.fd[1], "x", 1), 1);
  ASSERT_TRUE(run_until([&] { return calls > 0; }));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(loop_->run_once(5ms));
  EXPECT_EQ(calls, 1);
}

TEST_F(BatchedWatch, SetFdEventsSwitchesToWritableAndDispatchFirstIsRefused) {
  Pair p;
  uint32_t last = 0;
  auto w = loop_->watch_fd_batched(p.fd[0], EPOLLIN, [&](uint32_t ev) { last = ev; });
  ASSERT_TRUE(w);
  ASSERT_TRUE(loop_->run_once(10ms));
  EXPECT_EQ(last, 0u);  // nothing to read yet
  ASSERT_TRUE(loop_->set_fd_events(*w, EPOLLOUT));
  ASSERT_TRUE(run_until([&] { return (last & EPOLLOUT) != 0; }));
  EXPECT_FALSE(loop_->dispatch_first(*w));
  w->cancel();
  EXPECT_FALSE(loop_->set_fd_events(*w, EPOLLIN));  // cancelled
}

TEST_F(BatchedWatch, AFailedWatchLeavesTheFdToTheCaller) {
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // epoll refuses regular files
  ASSERT_GE(fd, 0);
  auto w = loop_->watch_fd_batched(fd, EPOLLIN, [](uint32_t) {});
  EXPECT_FALSE(w);
  EXPECT_TRUE(fd_open(fd));
  ::close(fd);
}

TEST_F(BatchedWatch, WatchOutlivingTheLoopIsSafeToCancel) {
  Pair p;
  auto w = loop_->watch_fd_batched(p.fd[0], EPOLLIN, [](uint32_t) {});
  ASSERT_TRUE(w);
  loop_.reset();
  w->cancel();
  EXPECT_FALSE(fd_open(p.fd[0]));
}

}  // namespace
}  // namespace hadirector::core
