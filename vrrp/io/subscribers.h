// A list of callbacks that subscribe with a Handle and may unsubscribe at any time, even from
// inside a notification or after the list itself is gone. Shared by the VRRP socket, the link
// monitor and their fakes; single-threaded like everything on the event loop.
#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "daemon/core/handle.h"

namespace hadirector::vrrp {

template <typename... Args>
class Subscribers {
 public:
  using Fn = std::function<void(Args...)>;

  [[nodiscard]] core::Handle add(Fn fn) {
    auto entry = std::make_shared<Entry>(std::move(fn), fns_);
    fns_->push_back(entry);
    // A weak_ptr alone (16 bytes) fits std::function's inline storage: no allocation.
    return core::Handle([weak = std::weak_ptr<Entry>(entry)] {
      if (auto e = weak.lock()) e->unsubscribe(e);
    });
  }

  // Calls every subscriber present when the call starts and still subscribed when its turn
  // comes.
  void notify(Args... args) const {
    if (fns_->size() == 1) {
      // The usual case (one instance per VRID): no snapshot to allocate. The copy keeps the
      // function alive should it unsubscribe itself.
      std::shared_ptr<Entry> only = fns_->front();
      only->fn(args...);
      return;
    }
    const Table snapshot = *fns_;
    std::weak_ptr<Table> weak = fns_;
    for (const auto& e : snapshot) {
      if (weak.expired()) return;  // a callback destroyed our owner
      if (e->subscribed) e->fn(args...);
    }
  }

  size_t size() const { return fns_->size(); }
  bool empty() const { return fns_->empty(); }

 private:
  struct Entry;
  // A vector in subscription order, not a map by id: a subscription costs one allocation of
  // ~80 bytes instead of three (~160), and the link monitor has four per VRRP instance.
  using Table = std::vector<std::shared_ptr<Entry>>;
  struct Entry {
    Entry(Fn f, const std::shared_ptr<Table>& t) : fn(std::move(f)), table(t) {}
    void unsubscribe(const std::shared_ptr<Entry>& self) {
      subscribed = false;
      if (auto t = table.lock()) std::erase(*t, self);
    }
    Fn fn;
    std::weak_ptr<Table> table;
    bool subscribed = true;
  };
  std::shared_ptr<Table> fns_ = std::make_shared<Table>();
};

}  // namespace hadirector::vrrp
