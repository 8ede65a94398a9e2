// Shares one VrrpSocket per (interface index, address family) among the instances that run
// there: the first acquire opens it, the last release closes it. How a socket is opened is
// injected (RawVrrpSocket in production, a fake in tests); the registry only counts owners.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "daemon/core/result.h"
#include "vrrp/io/vrrp_socket.h"

namespace hadirector::vrrp {

class VrrpSocketRegistry {
 public:
  using Opener =
      std::function<core::Result<std::unique_ptr<VrrpSocket>>(int ifindex, Family family)>;

  explicit VrrpSocketRegistry(Opener opener) : opener_(std::move(opener)) {}

  // The live socket for (ifindex, family), or a newly opened one. Errors come from the opener.
  core::Result<std::shared_ptr<VrrpSocket>> acquire(int ifindex, Family family);

  // Sockets currently open (for status and tests).
  size_t open_count() const;
  // Each open socket, in (ifindex, family) order.
  void for_each_open(const std::function<void(const VrrpSocket&)>& fn) const;

 private:
  Opener opener_;
  std::map<std::pair<int, Family>, std::weak_ptr<VrrpSocket>> sockets_;
};

}  // namespace hadirector::vrrp
