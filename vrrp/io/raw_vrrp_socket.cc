#include "vrrp/io/raw_vrrp_socket.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "vrrp/io/address_convert.h"
#include "vrrp/io/ip_header.h"
#include "vrrp/io/send_pktinfo.h"
#include "vrrp/packet.h"

namespace hadirector::vrrp {
namespace {

core::Status set_int(int fd, int level, int name, int value, const std::string& what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) < 0) return core::fail_errno(errno, what);
  return {};
}

// RFC 5798 §5.1.1: TTL 255 for multicast and unicast, group membership on this interface only,
// no copies of our own adverts, TTL and destination of received ones.
core::Status setup_ipv4(int fd, int ifindex, const std::string& where, bool join) {
  ip_mreqn mreq{};
  std::memcpy(&mreq.imr_multiaddr, kVrrpGroupV4.bytes.data(), 4);
  mreq.imr_ifindex = ifindex;
  if (join && ::setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0)
    return core::fail_errno(errno, "join 224.0.0.18 on " + where);
  ip_mreqn out{};
  out.imr_ifindex = ifindex;
  if (::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &out, sizeof out) < 0)
    return core::fail_errno(errno, "IP_MULTICAST_IF on " + where);
  if (auto s = set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, kVrrpTtl, "IP_MULTICAST_TTL"); !s)
    return s;
  if (auto s = set_int(fd, IPPROTO_IP, IP_TTL, kVrrpTtl, "IP_TTL"); !s) return s;
  if (auto s = set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP"); !s) return s;
  if (auto s = set_int(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO"); !s) return s;
  return set_int(fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL");
}

// RFC 5798 §5.1.2: the same for IPv6 with the hop limit.
core::Status setup_ipv6(int fd, int ifindex, const std::string& where, bool join) {
  ipv6_mreq mreq{};
  std::memcpy(&mreq.ipv6mr_multiaddr, kVrrpGroupV6.bytes.data(), 16);
  mreq.ipv6mr_interface = static_cast<unsigned>(ifindex);
  if (join && ::setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq) < 0)
    return core::fail_errno(errno, "join ff02::12 on " + where);
  if (auto s = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF"); !s)
    return s;
  if (auto s = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, kVrrpTtl, "IPV6_MULTICAST_HOPS"); !s)
    return s;
  if (auto s = set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, kVrrpTtl, "IPV6_UNICAST_HOPS"); !s)
    return s;
  if (auto s = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP"); !s)
    return s;
  if (auto s = set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"); !s) return s;
  return set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
}

struct Ancillary {
  std::optional<int> ttl;
  std::optional<IpAddress> destination;
  int ifindex = 0;
  std::optional<uint32_t> dropped;  // SO_RXQ_OVFL: the socket's overruns so far
};

// The kernel's default receive buffer holds a few hundred small datagrams: at 100,000 a second
// that is a few milliseconds of scheduling delay before genuine adverts are lost. 4 MiB holds
// tens of milliseconds. SO_RCVBUFFORCE passes rmem_max with CAP_NET_ADMIN; without it the
// ordinary option gets what rmem_max allows.
constexpr int kReceiveBuffer = 4 << 20;

void enlarge_receive_buffer(int fd) {
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof kReceiveBuffer) < 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
}

Ancillary read_ancillary(msghdr& msg) {
  Ancillary out;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    const unsigned char* data = CMSG_DATA(c);
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
      int ttl;
      std::memcpy(&ttl, data, sizeof ttl);
      out.ttl = ttl;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, data, sizeof info);
      out.ifindex = info.ipi_ifindex;
      out.destination = IpAddress::from_bytes(
          Family::kIpv4, {reinterpret_cast<const uint8_t*>(&info.ipi_addr), 4});
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
      int hops;
      std::memcpy(&hops, data, sizeof hops);
      out.ttl = hops;
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
      uint32_t dropped;
      std::memcpy(&dropped, data, sizeof dropped);
      out.dropped = dropped;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, data, sizeof info);
      out.ifindex = static_cast<int>(info.ipi6_ifindex);
      out.destination = IpAddress::from_bytes(
          Family::kIpv6, {reinterpret_cast<const uint8_t*>(&info.ipi6_addr), 16});
    }
  }
  return out;
}

}  // namespace

// A datagram lands in the slot's head and, past kHead bytes, in its tail (a scatter read): the
// heads sit together in a few pages, and a tail's page is only touched by a datagram that long
// (an advert with dozens of addresses), so the 16 slots of each socket cost ~3 pages, not ~32.
struct RawVrrpSocket::Slot {
  std::array<uint8_t, kHead> head;
  sockaddr_storage from;
  alignas(cmsghdr) unsigned char control[256];
  iovec iov[2];
};

RawVrrpSocket::RawVrrpSocket(core::UniqueFd fd, int ifindex, std::string ifname, Family family)
    : fd_(std::move(fd)),
      ifindex_(ifindex),
      ifname_(std::move(ifname)),
      family_(family),
      slots_(new Slot[kBatch]),
      tails_(map_tails()),
      messages_(new mmsghdr[kBatch]{}) {
  for (size_t i = 0; i < kBatch; ++i) reset_slot(i);
}

RawVrrpSocket::~RawVrrpSocket() = default;

void RawVrrpSocket::Unmap::operator()(uint8_t* p) const { ::munmap(p, kTails); }

// Pages of their own, not the heap's: heap pages may be dirty from earlier use (the decoded
// configuration), and mapped ones cost nothing until a long datagram writes to them.
std::unique_ptr<uint8_t[], RawVrrpSocket::Unmap> RawVrrpSocket::map_tails() {
  void* p = ::mmap(nullptr, kTails, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return std::unique_ptr<uint8_t[], Unmap>(p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p));
}

core::Result<std::unique_ptr<RawVrrpSocket>> RawVrrpSocket::open(core::EventLoop& loop, int ifindex,
                                                                 std::string ifname, Family family,
                                                                 bool join_group) {
  std::string where = ifname + " (" + (family == Family::kIpv4 ? "IPv4" : "IPv6") + ")";
  core::UniqueFd fd(::socket(to_af(family), SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtoVrrp));
  if (!fd) return core::fail_errno(errno, "open VRRP socket on " + where);
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTOIFINDEX, &ifindex, sizeof ifindex) < 0)
    return core::fail_errno(errno, "bind VRRP socket to " + where);
  auto setup = family == Family::kIpv4 ? setup_ipv4(fd.get(), ifindex, where, join_group)
                                       : setup_ipv6(fd.get(), ifindex, where, join_group);
  if (!setup) return std::unexpected(setup.error().wrap("VRRP socket on " + where));
  if (auto ovfl = set_int(fd.get(), SOL_SOCKET, SO_RXQ_OVFL, 1, "SO_RXQ_OVFL"); !ovfl)
    return std::unexpected(ovfl.error().wrap("VRRP socket on " + where));
  enlarge_receive_buffer(fd.get());
  std::unique_ptr<RawVrrpSocket> sock(
      new RawVrrpSocket(std::move(fd), ifindex, std::move(ifname), family));
  auto watch = loop.watch_fd(sock->fd(), EPOLLIN, [s = sock.get()](uint32_t) { s->on_readable(); });
  if (!watch) return std::unexpected(watch.error());
  // Queued adverts are read before a timer due in the same iteration (RFC 5798 §6.4.2: an
  // advert received restarts the Master_Down_Timer), so a stalled worker does not take over
  // from a master whose adverts are waiting in the socket.
  if (auto first = loop.dispatch_first(*watch); !first) return std::unexpected(first.error());
  sock->watch_ = std::move(*watch);
  return sock;
}

core::Handle RawVrrpSocket::subscribe(ReceiveFn fn) { return subscribers_.add(std::move(fn)); }

core::Handle RawVrrpSocket::subscribe_vrid(uint8_t vrid, ReceiveFn fn) {
  if (!by_vrid_[vrid]) by_vrid_[vrid] = std::make_unique<Receivers>();
  return by_vrid_[vrid]->add(std::move(fn));
}

// A packet too short to name a VRID goes to everyone, as with one list (each counts it).
bool RawVrrpSocket::deliver(std::span<const uint8_t> payload, const PacketFacts& facts) {
  std::weak_ptr<bool> alive = alive_;
  if (!subscribers_.empty()) subscribers_.notify(payload, facts);
  if (alive.expired()) return false;
  const std::optional<uint8_t> vrid = peek_vrid(payload);
  if (vrid) {
    const auto& receivers = by_vrid_[*vrid];
    if (receivers && !receivers->empty()) receivers->notify(payload, facts);
    return !alive.expired();
  }
  // Receivers are never removed from the array, so a callback that subscribes cannot move
  // those not yet called.
  for (const auto& receivers : by_vrid_) {
    if (receivers) receivers->notify(payload, facts);
    if (alive.expired()) return false;
  }
  return true;
}

core::Status RawVrrpSocket::send(std::span<const uint8_t> payload, const IpAddress& destination,
                                 const IpAddress& source) {
  sockaddr_storage to;
  socklen_t to_len = to_sockaddr(destination, ifindex_, to);
  ssize_t n;
  if (family_ == Family::kIpv4) {
    // ipi_spec_dst is the source address for a raw socket's sendmsg (ip(7) IP_PKTINFO).
    in_pktinfo info{};
    info.ipi_ifindex = ifindex_;
    std::memcpy(&info.ipi_spec_dst, source.bytes.data(), 4);
    n = send_with_pktinfo(fd_.get(), payload, reinterpret_cast<sockaddr*>(&to), to_len, &info,
                          nullptr);
  } else {
    in6_pktinfo info{};
    info.ipi6_ifindex = static_cast<unsigned>(ifindex_);
    std::memcpy(&info.ipi6_addr, source.bytes.data(), 16);
    n = send_with_pktinfo(fd_.get(), payload, reinterpret_cast<sockaddr*>(&to), to_len, nullptr,
                          &info);
  }
  if (n < 0) {
    ++stats_.send_errors;
    return core::fail_errno(errno, "send VRRP advert from " + address_text(source) + " to " +
                                       address_text(destination) + " on " + ifname_);
  }
  return {};
}

void RawVrrpSocket::on_readable() {
  // Bounded so that a flood on one interface cannot starve the rest of the loop. A short batch
  // emptied the queue: asking again would only earn EAGAIN (a system call per advert), and the
  // level-triggered watch brings us back for whatever arrives after.
  for (size_t read = 0; read < 4 * kBatch;) {
    int n = receive_batch();
    if (n < static_cast<int>(kBatch)) return;
    read += static_cast<size_t>(n);
  }
}

// The headers stay set up between calls, and only those recvmmsg filled are set again: each
// slot is over a page, and preparing all 16 for every advert touched 16 pages per wake-up.
void RawVrrpSocket::reset_slot(size_t i) {
  Slot& slot = slots_[i];
  slot.iov[0] = {slot.head.data(), slot.head.size()};
  // Without tails (no memory for them) a datagram past the head is truncated: counted, dropped.
  if (tails_) slot.iov[1] = {tails_.get() + i * (kDatagram - kHead), kDatagram - kHead};
  msghdr& msg = messages_[i].msg_hdr;
  msg.msg_name = &slot.from;
  msg.msg_namelen = sizeof slot.from;
  msg.msg_iov = slot.iov;
  msg.msg_iovlen = tails_ ? 2 : 1;
  msg.msg_control = slot.control;
  msg.msg_controllen = sizeof slot.control;
  msg.msg_flags = 0;
}

int RawVrrpSocket::receive_batch() {
  int n = ::recvmmsg(fd_.get(), messages_.get(), kBatch, MSG_DONTWAIT, nullptr);
  if (n <= 0) return 0;  // EAGAIN, or an error the next readiness will show again
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
    msghdr& msg = messages_[i].msg_hdr;
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
      ++stats_.malformed;
    } else {
      // handle_datagram reads the slot's header again: keep what recvmmsg wrote in it.
      if (!handle_datagram(msg, i, messages_[i].msg_len)) return -1;
    }
    reset_slot(i);
  }
  return n;
}

bool RawVrrpSocket::handle_datagram(msghdr& msg, size_t slot_index, size_t length) {
  Slot& slot = slots_[slot_index];
  Ancillary anc = read_ancillary(msg);
  if (anc.dropped) stats_.overruns = *anc.dropped;
  std::span<const uint8_t> data(slot.head.data(), std::min(length, kHead));
  if (length > kHead) {  // rare: join head and tail where the parsers can read them
    const uint8_t* tail = static_cast<const uint8_t*>(slot.iov[1].iov_base);
    joined_.assign(slot.head.begin(), slot.head.end());
    joined_.insert(joined_.end(), tail, tail + (length - kHead));
    data = joined_;
  }
  if (!anc.ttl || !anc.destination) {
    ++stats_.malformed;
    return true;
  }
  PacketFacts facts;
  facts.ttl = static_cast<uint8_t>(*anc.ttl);
  facts.ifindex = anc.ifindex;
  facts.destination = *anc.destination;
  if (family_ == Family::kIpv4) {
    auto header = parse_ipv4_header(data);
    if (!header || header->protocol != kIpProtoVrrp) {
      ++stats_.malformed;
      return true;
    }
    facts.source = header->source;
    data = header->payload;
  } else {
    const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(slot.from);
    facts.source = IpAddress::from_bytes(Family::kIpv6,
                                         {reinterpret_cast<const uint8_t*>(&sin6.sin6_addr), 16});
  }
  ++stats_.received;
  return deliver(data, facts);
}

}  // namespace hadirector::vrrp
