// The connected clients of a server (control socket, metrics listener), owned here and found by
// address. A client that asks to go may be inside its own callback, so it is moved aside and
// destroyed on the next loop iteration rather than at once.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "daemon/core/event_loop.h"

namespace hadirector::daemon {

template <class Client>
class ClientSet {
 public:
  explicit ClientSet(core::EventLoop& loop) : loop_(loop) {}

  void add(std::shared_ptr<Client> client) { clients_.emplace(client.get(), std::move(client)); }
  void drop(Client* client) {
    auto it = clients_.find(client);
    if (it == clients_.end()) return;
    graveyard_.push_back(std::move(it->second));
    clients_.erase(it);
    if (!reaper_)
      reaper_ = loop_.defer([this] {
        graveyard_.clear();
        reaper_ = core::Handle();
      });
  }
  void clear() { clients_.clear(); }
  size_t size() const { return clients_.size(); }
  auto begin() const { return clients_.begin(); }
  auto end() const { return clients_.end(); }

 private:
  core::EventLoop& loop_;
  std::map<Client*, std::shared_ptr<Client>> clients_;
  std::vector<std::shared_ptr<Client>> graveyard_;  // closed, destroyed next iteration
  core::Handle reaper_;
};

}  // namespace hadirector::daemon
