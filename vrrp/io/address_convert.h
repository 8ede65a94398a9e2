// Conversions between the configuration's address type (config::IpAddress, an AF_* family)
// and the codec's (vrrp::IpAddress, a Family enum), plus sockaddr helpers for the socket
// layer. Both carry the same network-order bytes; nothing here can fail on a valid value.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "daemon/config/values.h"
#include "vrrp/ip_address.h"

namespace hadirector::vrrp {

inline int to_af(Family family) { return family == Family::kIpv4 ? AF_INET : AF_INET6; }

inline IpAddress to_vrrp_address(const config::IpAddress& addr) {
  IpAddress out;
  out.family = addr.is_v6() ? Family::kIpv6 : Family::kIpv4;
  out.bytes = addr.bytes;
  return out;
}

inline config::IpAddress to_config_address(const IpAddress& addr) {
  config::IpAddress out;
  out.family = to_af(addr.family);
  std::copy_n(addr.bytes.begin(), address_size(addr.family), out.bytes.begin());
  return out;
}

inline std::string address_text(const IpAddress& addr) {
  return to_config_address(addr).to_string();
}

// Fills `storage` with addr (and scope id for IPv6 link-local) and returns its length.
inline socklen_t to_sockaddr(const IpAddress& addr, int ifindex, sockaddr_storage& storage) {
  std::memset(&storage, 0, sizeof storage);
  if (addr.family == Family::kIpv4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, addr.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
  sin6->sin6_family = AF_INET6;
  std::memcpy(&sin6->sin6_addr, addr.bytes.data(), 16);
  sin6->sin6_scope_id = static_cast<uint32_t>(ifindex);
  return sizeof(sockaddr_in6);
}

}  // namespace hadirector::vrrp
