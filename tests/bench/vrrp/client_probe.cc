#include "tests/bench/vrrp/client_probe.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "tests/netns/netns_fixture.h"

namespace hadirector::bench {
namespace {

constexpr int64_t kPingPeriodNs = 1'000'000;
constexpr uint8_t kProtoVrrp = 112;

uint16_t inet_checksum(const uint8_t* data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (len % 2) sum += static_cast<uint32_t>(data[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

}  // namespace

int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

ClientProbe::ClientProbe(const std::string& ns, const std::string& vip) {
  ::inet_pton(AF_INET, vip.c_str(), &vip_);
  ident_ = static_cast<uint16_t>(::getpid() ^ 0x5a5a);
  {
    // Sockets keep the namespace they were opened in.
    testing::NetnsGuard guard(ns);
    if (!guard.entered()) return;
    raw_fd_ = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
    packet_fd_ = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_IP));
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_IP);
    ll.sll_ifindex = static_cast<int>(::if_nametoindex("eth0"));
    if (raw_fd_ < 0 || packet_fd_ < 0 || ll.sll_ifindex == 0 ||
        ::bind(packet_fd_, reinterpret_cast<sockaddr*>(&ll), sizeof ll) != 0)
      return;
  }
  // The raw socket only sends: a filter that accepts nothing keeps its queue empty.
  sock_filter drop_all{BPF_RET | BPF_K, 0, 0, 0};
  sock_fprog prog{1, &drop_all};
  ::setsockopt(raw_fd_, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
  int on = 1;
  ::setsockopt(packet_fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  int buf = 4 << 20;
  ::setsockopt(packet_fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  ok_ = true;
  thread_ = std::thread([this] { run(); });
}

ClientProbe::~ClientProbe() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (raw_fd_ >= 0) ::close(raw_fd_);
  if (packet_fd_ >= 0) ::close(packet_fd_);
}

void ClientProbe::run() {
  int64_t next_send = now_ns();
  while (!stop_) {
    const int64_t now = now_ns();
    if (now >= next_send) {
      if (pinging_) send_echo();
      // After a stall, carry on at the period rather than bursting to catch up.
      next_send = std::max(next_send + kPingPeriodNs, now);
    }
    pollfd p{packet_fd_, POLLIN, 0};
    timespec wait{0, std::clamp<long>(static_cast<long>(next_send - now_ns()), 0, kPingPeriodNs)};
    if (::ppoll(&p, 1, &wait, nullptr) > 0) receive_all();
  }
}

void ClientProbe::send_echo() {
  uint8_t pkt[16] = {};
  pkt[0] = ICMP_ECHO;
  std::memcpy(pkt + 4, &ident_, 2);
  const uint16_t seq = htons(seq_++);
  std::memcpy(pkt + 6, &seq, 2);
  const uint16_t sum = inet_checksum(pkt, sizeof pkt);
  std::memcpy(pkt + 2, &sum, 2);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = vip_;
  // EAGAIN or an unresolved neighbour during a failover is expected: the next one tries again.
  (void)::sendto(raw_fd_, pkt, sizeof pkt, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
}

void ClientProbe::receive_all() {
  for (;;) {
    uint8_t frame[2048];
    alignas(cmsghdr) char control[256];
    sockaddr_ll from{};
    iovec iov{frame, sizeof frame};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(packet_fd_, &msg, MSG_DONTWAIT);
    if (n <= 0) return;
    if (from.sll_pkttype == PACKET_OUTGOING || n < 20 || from.sll_halen != 6) continue;
    int64_t t = now_ns();
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts{};
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        t = int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
      }
    const size_t ihl = (frame[0] & 0x0f) * 4u;
    const uint8_t proto = frame[9];
    Event e{t, Kind::kAdvert, {}};
    std::memcpy(e.mac.data(), from.sll_addr, 6);
    if (proto == IPPROTO_ICMP && static_cast<size_t>(n) >= ihl + 8 &&
        frame[ihl] == ICMP_ECHOREPLY && std::memcmp(frame + ihl + 4, &ident_, 2) == 0) {
      e.kind = Kind::kReply;
    } else if (proto != kProtoVrrp) {
      continue;
    }
    std::lock_guard lock(mu_);
    events_.push_back(e);
  }
}

std::optional<int64_t> ClientProbe::first_reply_from(const Mac& mac, int64_t after) {
  std::lock_guard lock(mu_);
  for (const Event& e : events_)
    if (e.kind == Kind::kReply && e.t >= after && e.mac == mac) return e.t;
  return std::nullopt;
}

std::optional<int64_t> ClientProbe::last_advert_from(const Mac& mac, int64_t before) {
  std::lock_guard lock(mu_);
  std::optional<int64_t> last;
  for (const Event& e : events_)
    if (e.kind == Kind::kAdvert && e.t < before && e.mac == mac) last = e.t;
  return last;
}

int ClientProbe::adverts_from(const Mac& mac, int64_t from, int64_t to) {
  std::lock_guard lock(mu_);
  return static_cast<int>(std::ranges::count_if(events_, [&](const Event& e) {
    return e.kind == Kind::kAdvert && e.t >= from && e.t < to && e.mac == mac;
  }));
}

void ClientProbe::forget_before(int64_t t) {
  std::lock_guard lock(mu_);
  std::erase_if(events_, [&](const Event& e) { return e.t < t; });
}

}  // namespace hadirector::bench
