// The event loop's fd watches on an epoll of our own, so a wake-up for input costs one
// epoll_pwait2 and a call, without sd-event's per-iteration bookkeeping (preparing every clock,
// its pending queue, one source dispatched per iteration). Waiting and dispatching are separate
// steps so the loop can place its timers between the watches that go first and the others.
// Level-triggered unless the caller asks for EPOLLET. Not thread-safe, like the loop.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "daemon/core/handle.h"
#include "daemon/core/result.h"
#include "daemon/core/scheduler.h"

namespace hadirector::core {

class FdWatches : public std::enable_shared_from_this<FdWatches> {
 public:
  static Result<std::shared_ptr<FdWatches>> create();
  ~FdWatches();
  FdWatches(const FdWatches&) = delete;
  FdWatches& operator=(const FdWatches&) = delete;

  // fd is not owned; cancel the Handle before closing it. The Handle may outlive this object.
  // Its context() identifies the watch for set_events and set_first.
  [[nodiscard]] Result<Handle> add(int fd, uint32_t events, std::function<void(uint32_t)> fn);
  Status set_events(void* context, uint32_t events);
  Status set_first(void* context);

  // Waits at most `timeout` (nullopt: until an fd is ready) and keeps what is ready for
  // dispatch. A second wait before clear() adds to it, an fd already kept is not kept twice.
  Status wait(std::optional<Duration> timeout);
  // Calls the kept watches flagged by set_first (first = true) or the others, each once; a
  // watch cancelled meanwhile is skipped. Returns how many were called.
  size_t dispatch(bool first);
  void clear() { ready_.clear(); }

 private:
  struct Watch {
    std::function<void(uint32_t)> fn;
    int fd;
    uint64_t key;
    bool first = false;
  };
  struct Ready {
    uint64_t key;
    uint32_t events;
    bool done = false;
  };
  explicit FdWatches(int epfd) : epfd_(epfd) {}
  void cancel(uint64_t key);

  int epfd_;
  uint64_t next_key_ = 1;
  // By key: epoll reports keys, so an event fetched for a watch cancelled since finds nothing.
  std::unordered_map<uint64_t, std::unique_ptr<Watch>> watches_;
  std::vector<Ready> ready_;
  // Watches cancelled while dispatching (possibly the one running), freed once it is done.
  std::vector<std::unique_ptr<Watch>> retired_;
  int dispatching_ = 0;
};

}  // namespace hadirector::core
