#include "checkers/tcp/half_open_prober.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <time.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "checkers/dgram/datagram_probe.h"
#include "daemon/core/log.h"

namespace hadirector::checkers::tcp {

namespace {

// A route looked up for a destination is reused this long: a moved address or changed route
// is picked up within it, and a large pool of real servers costs a lookup per server per 30 s.
constexpr core::Duration kRouteLifetime = std::chrono::seconds(30);
constexpr size_t kBatch = 64;         // messages per sendmmsg / recvmmsg call
constexpr size_t kAnswerBytes = 128;  // the filter cuts answers to 80 bytes
constexpr int kSocketBuffer = 4 << 20;

// The route cache's clock: the kernel's last tick, read in the vDSO even where the precise
// clock is a system call (HPET in the qemu VM, where a read per SYN was one system call per
// probe). Same epoch as CLOCK_MONOTONIC; a tick's error is nothing against 30 s.
core::TimePoint coarse_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return core::TimePoint(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

std::unordered_map<core::EventLoop*, std::weak_ptr<HalfOpenProber>>& registry() {
  static std::unordered_map<core::EventLoop*, std::weak_ptr<HalfOpenProber>> probers;
  return probers;
}

IpAddress address_of(const sockaddr_storage& storage) {
  IpAddress out;
  if (storage.ss_family == AF_INET6) {
    out.v6 = true;
    std::memcpy(out.bytes.data(), &reinterpret_cast<const sockaddr_in6&>(storage).sin6_addr, 16);
  } else {
    std::memcpy(out.bytes.data(), &reinterpret_cast<const sockaddr_in&>(storage).sin_addr, 4);
  }
  return out;
}

uint16_t port_of(const sockaddr_storage& storage) {
  return ntohs(storage.ss_family == AF_INET6
                   ? reinterpret_cast<const sockaddr_in6&>(storage).sin6_port
                   : reinterpret_cast<const sockaddr_in&>(storage).sin_port);
}

// An ordinary TCP socket bound to a free port of the family, never listening: no connection
// of this host can take the port, and an answer to our SYN finds no socket, so the kernel
// resets the half-open connection on our behalf.
core::Result<core::UniqueFd> reserve_port(bool v6, uint16_t& port) {
  auto fd = dgram::open_socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (!fd) return fd;
  sockaddr_storage addr{};
  addr.ss_family = static_cast<sa_family_t>(v6 ? AF_INET6 : AF_INET);
  if (v6) {
    const int one = 1;
    ::setsockopt(fd->get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  socklen_t length = v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (::bind(fd->get(), reinterpret_cast<sockaddr*>(&addr), length) < 0 ||
      ::getsockname(fd->get(), reinterpret_cast<sockaddr*>(&addr), &length) < 0)
    return core::fail_errno(errno, "reserve a source port for half-open probes");
  port = port_of(addr);
  return fd;
}

}  // namespace

size_t HalfOpenProber::TicketHash::operator()(const Ticket& t) const {
  return AddressHash{}(t.peer) ^ (static_cast<size_t>(t.sequence) << 16) ^ t.port;
}

size_t HalfOpenProber::AddressHash::operator()(const IpAddress& a) const {
  return std::hash<std::string_view>{}(a.view());
}

core::Result<std::shared_ptr<HalfOpenProber>> HalfOpenProber::for_loop(core::EventLoop& loop) {
  auto& probers = registry();
  if (auto it = probers.find(&loop); it != probers.end())
    if (auto existing = it->second.lock()) return existing;
  std::shared_ptr<HalfOpenProber> prober(new HalfOpenProber(loop));
  // IPv4 opens now, so that a missing CAP_NET_RAW is known before any check relies on it;
  // IPv6 on its first probe (a host may have no IPv6 at all).
  if (auto st = prober->open(prober->v4_); !st) return std::unexpected(st.error());
  probers[&loop] = prober;
  return prober;
}

HalfOpenProber::HalfOpenProber(core::EventLoop& loop)
    : loop_(loop), sequences_(std::random_device{}()) {
  v6_.v6 = true;
}

HalfOpenProber::~HalfOpenProber() {
  auto& probers = registry();
  if (auto it = probers.find(&loop_); it != probers.end() && it->second.expired())
    probers.erase(it);
}

uint16_t HalfOpenProber::source_port(bool v6) const { return (v6 ? v6_ : v4_).port; }

core::Status HalfOpenProber::open(Family& family) {
  const int domain = family.v6 ? AF_INET6 : AF_INET;
  auto raw = dgram::open_socket(domain, SOCK_RAW, IPPROTO_TCP);
  if (!raw) return std::unexpected(raw.error());
  auto reserve = reserve_port(family.v6, family.port);
  if (!reserve) return std::unexpected(reserve.error());
  auto route = dgram::open_socket(domain, SOCK_DGRAM, 0);
  if (!route) return std::unexpected(route.error());
  const std::vector<sock_filter> program = answer_filter(!family.v6, family.port);
  const sock_fprog fprog{static_cast<unsigned short>(program.size()),
                         const_cast<sock_filter*>(program.data())};
  if (::setsockopt(raw->get(), SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) < 0)
    return core::fail_errno(errno, "attach the half-open answer filter");
  // A queued answer costs a whole packet's buffer, so the default (net.core.rmem_max, about
  // 200 KiB) holds only a few hundred: a loop held up for a fraction of a second at thousands
  // of probes a second lost answers, and every lost one became a false timeout. The checker
  // worker holds CAP_NET_ADMIN, which lets the FORCE variants pass rmem_max; else best effort.
  for (auto [force, plain] : {std::pair{SO_SNDBUFFORCE, SO_SNDBUF}, {SO_RCVBUFFORCE, SO_RCVBUF}})
    if (::setsockopt(raw->get(), SOL_SOCKET, force, &kSocketBuffer, sizeof kSocketBuffer) < 0)
      ::setsockopt(raw->get(), SOL_SOCKET, plain, &kSocketBuffer, sizeof kSocketBuffer);
  auto watch = loop_.watch_fd(raw->get(), EPOLLIN, [this, &family](uint32_t) { receive(family); });
  if (!watch) return std::unexpected(watch.error());
  // Answers already in are read before timers due in the same iteration: under overload a
  // probe whose answer has arrived must not be counted as a timeout first (the connect
  // probes' batched sockets get the same treatment).
  if (auto st = loop_.dispatch_first(*watch); !st) return st;
  family.raw = std::move(*raw);
  family.reserve = std::move(*reserve);
  family.route = std::move(*route);
  family.watch = std::move(*watch);
  return {};
}

core::Result<IpAddress> HalfOpenProber::source_for(Family& family, const IpAddress& peer,
                                                   const dgram::SocketAddress& to) {
  const core::TimePoint now = coarse_now();
  if (auto it = routes_.find(peer); it != routes_.end() && it->second.expires > now)
    return it->second.source;
  // connect() on a UDP socket is the kernel's route lookup, source address selection included;
  // it sends nothing.
  ++counters_.route_lookups;
  if (::connect(family.route.get(), to.get(), to.length) < 0)
    return core::fail_errno(errno, "route to the real server");
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  if (::getsockname(family.route.get(), reinterpret_cast<sockaddr*>(&local), &length) < 0)
    return core::fail_errno(errno, "source address for the real server");
  const IpAddress source = address_of(local);
  routes_[peer] = Route{source, now + kRouteLifetime};
  return source;
}

core::Result<HalfOpenProber::Ticket> HalfOpenProber::probe(const dgram::SocketAddress& peer,
                                                          Client& client) {
  Family& family = peer.family() == AF_INET6 ? v6_ : v4_;
  if (!family.raw)
    if (auto st = open(family); !st) return std::unexpected(st.error());
  SynFields syn;
  syn.destination = address_of(peer.storage);
  syn.destination_port = port_of(peer.storage);
  auto source = source_for(family, syn.destination, peer);
  if (!source) return std::unexpected(source.error());
  syn.source = *source;
  syn.source_port = family.port;
  // Random: an answer must acknowledge this number, which an off-path sender cannot guess.
  syn.sequence = static_cast<uint32_t>(sequences_());
  Ticket ticket{syn.destination, syn.destination_port, syn.sequence};
  Outgoing out{ticket, {}, peer.length, encode_syn(syn)};
  std::memcpy(&out.to, &peer.storage, peer.length);
  // Raw sockets take the protocol, not a port: IPv6 refuses any other non-zero value.
  out.to.sin6_port = 0;
  family.queue.push_back(std::move(out));
  pending_[ticket] = &client;
  // A full batch goes at once: a starved loop may take several iterations to reach the
  // deferred flush, and that wait counts against the probes' timeout.
  if (family.queue.size() >= kBatch && !flushing_) flush(family, true);
  if (!flush_) flush_ = loop_.defer([this] { flush(); });
  return ticket;
}

void HalfOpenProber::cancel(const Ticket& ticket) { pending_.erase(ticket); }

void HalfOpenProber::flush() {
  // An answer's callback may drop the last checker holding this prober.
  std::shared_ptr<HalfOpenProber> keep = shared_from_this();
  core::Handle self = std::move(flush_);  // a probe queued by a callback below arms a new one
  flush(v4_, false);
  flush(v6_, false);
  report_failures();
}

void HalfOpenProber::report_failures() {
  std::vector<std::pair<Ticket, int>> failed = std::move(failed_);
  failed_.clear();
  if (failed.empty()) return;
  const core::TimePoint at = loop_.now();
  for (const auto& [ticket, error] : failed) {
    auto it = pending_.find(ticket);
    if (it == pending_.end()) continue;  // cancelled meanwhile
    Client* client = it->second;
    pending_.erase(it);
    client->on_answer(Answer::kSendFailed, error, at);
  }
}

void HalfOpenProber::flush(Family& family, bool defer_failures) {
  // `sending` is in use until the end: a probe() from a callback below must only queue.
  flushing_ = true;
  std::vector<Outgoing>& queue = family.sending;
  queue.swap(family.queue);  // probes queued by the callbacks below go to the emptied one
  // Probes cancelled since they were queued are not sent.
  std::erase_if(queue, [this](const Outgoing& o) { return !pending_.contains(o.ticket); });
  mmsghdr messages[kBatch];
  iovec vectors[kBatch];
  for (size_t first = 0; first < queue.size();) {
    const size_t count = std::min(kBatch, queue.size() - first);
    for (size_t i = 0; i < count; ++i) {
      Outgoing& o = queue[first + i];
      vectors[i] = iovec{o.segment.data(), o.segment.size()};
      messages[i] = mmsghdr{};
      messages[i].msg_hdr.msg_name = &o.to;
      messages[i].msg_hdr.msg_namelen = o.to_length;
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    const int sent = ::sendmmsg(family.raw.get(), messages, static_cast<unsigned>(count), 0);
    if (sent > 0) {
      counters_.sent += static_cast<uint64_t>(sent);
      first += static_cast<size_t>(sent);
      continue;
    }
    // The first message of the rest failed: that probe fails, the others get their turn.
    const int error = sent < 0 ? errno : EIO;
    ++counters_.send_errors;
    if (defer_failures) {
      failed_.emplace_back(queue[first++].ticket, error);
      continue;
    }
    auto it = pending_.find(queue[first].ticket);
    ++first;
    if (it == pending_.end()) continue;
    Client* client = it->second;
    pending_.erase(it);
    client->on_answer(Answer::kSendFailed, error, loop_.now());
  }
  queue.clear();
  flushing_ = false;
}

void HalfOpenProber::receive(Family& family) {
  std::shared_ptr<HalfOpenProber> keep = shared_from_this();  // as in flush()
  char buffers[kBatch][kAnswerBytes];
  iovec vectors[kBatch];
  sockaddr_storage names[kBatch];
  mmsghdr messages[kBatch];
  for (;;) {
    for (size_t i = 0; i < kBatch; ++i) {
      vectors[i] = iovec{buffers[i], kAnswerBytes};
      messages[i] = mmsghdr{};
      messages[i].msg_hdr.msg_name = &names[i];
      messages[i].msg_hdr.msg_namelen = sizeof names[i];
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    const int got = ::recvmmsg(family.raw.get(), messages, kBatch, MSG_DONTWAIT, nullptr);
    if (got <= 0) return;  // EAGAIN: all read (other errors: the level-triggered watch retries)
    const core::TimePoint at = loop_.now();  // for the whole batch: it arrived before now
    for (int i = 0; i < got; ++i) {
      const std::string_view datagram(buffers[i], std::min<size_t>(messages[i].msg_len,
                                                                   kAnswerBytes));
      const Segment segment = parse_segment(datagram, !family.v6);
      if (segment.drop != SegmentDrop::kNone) {
        ++counters_.malformed;
        continue;
      }
      deliver(segment, family.v6 ? address_of(names[i]) : segment.source, at);
    }
    if (static_cast<size_t>(got) < kBatch) return;
  }
}

void HalfOpenProber::deliver(const Segment& segment, const IpAddress& from, core::TimePoint at) {
  if (segment.destination_port != (from.v6 ? v6_ : v4_).port) {  // the filter's job; be sure
    ++counters_.unmatched;
    return;
  }
  auto it = pending_.find(Ticket{from, segment.source_port, segment.acknowledged - 1});
  if (it == pending_.end()) {
    ++counters_.unmatched;
    return;
  }
  ++counters_.answers;
  Client* client = it->second;
  pending_.erase(it);
  client->on_answer(segment.kind == SegmentKind::kSynAck ? Answer::kListening : Answer::kRefused,
                    0, at);
}

}  // namespace hadirector::checkers::tcp
