#include "vrrp/io/vrrp_socket_registry.h"

namespace hadirector::vrrp {

core::Result<std::shared_ptr<VrrpSocket>> VrrpSocketRegistry::acquire(int ifindex, Family family) {
  auto key = std::make_pair(ifindex, family);
  if (auto it = sockets_.find(key); it != sockets_.end()) {
    if (auto live = it->second.lock()) return live;
    sockets_.erase(it);
  }
  auto opened = opener_(ifindex, family);
  if (!opened) return std::unexpected(opened.error());
  std::shared_ptr<VrrpSocket> socket(std::move(*opened));
  sockets_[key] = socket;
  return socket;
}

size_t VrrpSocketRegistry::open_count() const {
  size_t n = 0;
  for (const auto& [key, weak] : sockets_) n += weak.expired() ? 0 : 1;
  return n;
}

void VrrpSocketRegistry::for_each_open(const std::function<void(const VrrpSocket&)>& fn) const {
  for (const auto& [key, weak] : sockets_)
    if (auto live = weak.lock()) fn(*live);
}

}  // namespace hadirector::vrrp
