// The harness itself: run_command is called from several threads at once (the large fault
// test's status poller, its main thread and its reloader each run hadirectorctl). Its child must
// make only async-signal-safe calls until exec: an allocation there waits forever for an
// allocator lock that another thread held at the fork, and the command "hangs" until its
// timeout. Under ASan (whose allocator is not locked around fork) a child allocating in a fresh
// thread while other threads allocate hung at once; with glibc's malloc, fork takes its locks.
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/netns/daemon_harness.h"

namespace hadirector::testing {
namespace {

TEST(DaemonHarness, RunCommandFromSeveralThreadsWhileOthersAllocateNeverHangs) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> churn;
  for (int t = 0; t < 2; ++t)
    churn.emplace_back([&stop, t] {
      size_t n = static_cast<size_t>(t);
      while (!stop) {
        std::vector<std::unique_ptr<char[]>> blocks;
        for (int i = 0; i < 4000; ++i) blocks.emplace_back(new char[1 + (n++ * 7) % 256]);
      }
    });
  std::atomic<int> failed{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 2; ++c)
    callers.emplace_back([&failed] {
      for (int i = 0; i < 40; ++i) {
        // A fresh thread each time: its allocator caches start empty, so an allocation in
        // its child would need the shared allocator and its locks.
        std::thread([&failed] {
          auto r = run_command({"/bin/true", "a", "b", "c", "d", "e", "f", "g", "h"},
                               std::chrono::seconds(5));
          if (r.exit_code != 0) ++failed;
        }).join();
      }
    });
  for (auto& t : callers) t.join();
  stop = true;
  for (auto& t : churn) t.join();
  EXPECT_EQ(failed.load(), 0) << "commands that did not exit 0 within 5 s (a child stuck "
                                 "between fork and exec)";
}

}  // namespace
}  // namespace hadirector::testing
