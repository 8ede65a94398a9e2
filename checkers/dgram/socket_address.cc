#include "checkers/dgram/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace hadirector::checkers::dgram {

core::Result<SocketAddress> socket_address(const std::string& ip, uint16_t port) {
  SocketAddress out;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out.length = sizeof(sockaddr_in);
    return out;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out.length = sizeof(sockaddr_in6);
    return out;
  }
  return core::fail(core::Errc::kInvalid, "'" + ip + "' is not an IP address");
}

}  // namespace hadirector::checkers::dgram
