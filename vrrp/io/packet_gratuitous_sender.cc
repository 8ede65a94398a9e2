#include "vrrp/io/packet_gratuitous_sender.h"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "vrrp/io/garp_frames.h"
#include "vrrp/io/send_pktinfo.h"

namespace hadirector::vrrp {
namespace {

// ff02::1, all nodes (RFC 4861 §7.2.6: unsolicited NAs go there).
constexpr uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

std::string what(const Announcement& a) {
  return std::string(a.vip.is_v4() ? "gratuitous ARP for " : "unsolicited NA for ") +
         a.vip.to_string() + " on " + a.ifname;
}

}  // namespace

core::Result<std::unique_ptr<PacketGratuitousSender>> PacketGratuitousSender::create() {
  // Protocol 0: the socket sends but is never handed received frames.
  core::UniqueFd packet(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!packet) return core::fail_errno(errno, "open packet socket for gratuitous ARP");
  core::UniqueFd icmp6(::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6));
  if (!icmp6) return core::fail_errno(errno, "open ICMPv6 socket for neighbour advertisements");
  int hops = 255;
  int off = 0;
  icmp6_filter block_all;
  ICMP6_FILTER_SETBLOCKALL(&block_all);
  if (::setsockopt(icmp6.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) < 0 ||
      ::setsockopt(icmp6.get(), IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof off) < 0 ||
      ::setsockopt(icmp6.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &block_all, sizeof block_all) < 0)
    return core::fail_errno(errno, "set up ICMPv6 socket for neighbour advertisements");
  return std::unique_ptr<PacketGratuitousSender>(
      new PacketGratuitousSender(std::move(packet), std::move(icmp6)));
}

core::Status PacketGratuitousSender::announce(const Announcement& a) {
  return a.vip.is_v4() ? send_arp(a) : send_na(a);
}

core::Status PacketGratuitousSender::send_arp(const Announcement& a) {
  auto frame = build_gratuitous_arp(a.mac, a.vip);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = a.ifindex;
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, kBroadcastMac.data(), 6);
  if (::sendto(packet_.get(), frame.data(), frame.size(), MSG_DONTWAIT,
               reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
    return core::fail_errno(errno, what(a));
  return {};
}

core::Status PacketGratuitousSender::send_na(const Announcement& a) {
  auto message = build_unsolicited_na(a.mac, a.vip, a.router);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  std::memcpy(&to.sin6_addr, kAllNodes, 16);
  to.sin6_scope_id = static_cast<uint32_t>(a.ifindex);
  // The interface, and an unspecified source: the kernel picks the link-local address.
  in6_pktinfo info{};
  info.ipi6_ifindex = static_cast<unsigned>(a.ifindex);
  if (send_with_pktinfo(icmp6_.get(), message, reinterpret_cast<sockaddr*>(&to), sizeof to, nullptr,
                        &info) < 0)
    return core::fail_errno(errno, what(a));
  return {};
}

}  // namespace hadirector::vrrp
