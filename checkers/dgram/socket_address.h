// A socket address built from an IP literal and a port, for the checkers that open their own
// sockets (udp, icmp, dns, smtp). It never resolves names: real servers are addresses.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "daemon/core/result.h"

namespace hadirector::checkers::dgram {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// Fails (kInvalid) when `ip` is not an IPv4 or IPv6 literal.
core::Result<SocketAddress> socket_address(const std::string& ip, uint16_t port);

}  // namespace hadirector::checkers::dgram
