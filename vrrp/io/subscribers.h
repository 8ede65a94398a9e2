// A list of callbacks that subscribe with a Handle and may unsubscribe at any time, even from
// inside a notification or after the list itself is gone. Shared by the VRRP socket, the link
// monitor and their fakes; single-threaded like everything on the event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
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
    uint64_t id = next_id_++;
    fns_->emplace(id, std::make_shared<Fn>(std::move(fn)));
    std::weak_ptr<Table> weak = fns_;
    return core::Handle([weak, id] {
      if (auto table = weak.lock()) table->erase(id);
    });
  }

  // Calls every subscriber present when the call starts and still subscribed when its turn
  // comes.
  void notify(Args... args) const {
    if (fns_->size() == 1) {
      // The usual case (one instance per VRID): no snapshot to allocate. The copy keeps the
      // function alive should it unsubscribe itself.
      std::shared_ptr<Fn> fn = fns_->begin()->second;
      (*fn)(args...);
      return;
    }
    std::vector<std::pair<uint64_t, std::shared_ptr<Fn>>> snapshot(fns_->begin(), fns_->end());
    std::weak_ptr<Table> weak = fns_;
    for (auto& [id, fn] : snapshot) {
      auto table = weak.lock();
      if (!table) return;  // a callback destroyed our owner
      if (!table->contains(id)) continue;
      (*fn)(args...);
    }
  }

  size_t size() const { return fns_->size(); }
  bool empty() const { return fns_->empty(); }

 private:
  using Table = std::map<uint64_t, std::shared_ptr<Fn>>;
  std::shared_ptr<Table> fns_ = std::make_shared<Table>();
  uint64_t next_id_ = 1;
};

}  // namespace hadirector::vrrp
