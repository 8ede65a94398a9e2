#include "vrrp/io/send_pktinfo.h"

#include <cstring>

namespace hadirector::vrrp {

ssize_t send_with_pktinfo(int fd, std::span<const uint8_t> payload, const sockaddr* to,
                          socklen_t to_len, const in_pktinfo* info4, const in6_pktinfo* info6) {
  iovec iov{const_cast<uint8_t*>(payload.data()), payload.size()};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr*>(to);
  msg.msg_namelen = to_len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  cmsghdr* c = reinterpret_cast<cmsghdr*>(control);
  if (info4) {
    *c = {CMSG_LEN(sizeof *info4), IPPROTO_IP, IP_PKTINFO};
    std::memcpy(CMSG_DATA(c), info4, sizeof *info4);
    msg.msg_controllen = CMSG_SPACE(sizeof *info4);
  } else if (info6) {
    *c = {CMSG_LEN(sizeof *info6), IPPROTO_IPV6, IPV6_PKTINFO};
    std::memcpy(CMSG_DATA(c), info6, sizeof *info6);
    msg.msg_controllen = CMSG_SPACE(sizeof *info6);
  } else {
    msg.msg_control = nullptr;
  }
  return ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

}  // namespace hadirector::vrrp
