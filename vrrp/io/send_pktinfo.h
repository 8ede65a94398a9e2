// One sendmsg(2) of a single buffer with a packet-info control message (IP_PKTINFO or
// IPV6_PKTINFO) that pins the outgoing interface and, where given, the source address. Shared
// by the VRRP socket and the NA sender; nothing else.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <span>

namespace hadirector::vrrp {

// Returns sendmsg's result (-1 with errno set on failure). Never blocks.
ssize_t send_with_pktinfo(int fd, std::span<const uint8_t> payload, const sockaddr* to,
                          socklen_t to_len, const in_pktinfo* info4, const in6_pktinfo* info6);

}  // namespace hadirector::vrrp
