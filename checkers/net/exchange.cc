#include "checkers/net/exchange.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "checkers/net/exchange_checker.h"

namespace hadirector::checkers::net {

namespace {

class PlainTransport final : public Transport {
 public:
  explicit PlainTransport(int fd) : fd_(fd) {}
  IoResult handshake() override { return {}; }
  IoResult write(std::string_view bytes) override {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n >= 0) return IoResult{IoStatus::kDone, static_cast<size_t>(n), {}, {}};
    if (errno == EAGAIN || errno == EINTR) return IoResult{IoStatus::kWantWrite, 0, {}, {}};
    return io_error("send", errno);
  }
  IoResult read(char* buffer, size_t size) override {
    const ssize_t n = ::recv(fd_, buffer, size, 0);
    if (n > 0) return IoResult{IoStatus::kDone, static_cast<size_t>(n), {}, {}};
    if (n == 0) return IoResult{IoStatus::kEof, 0, {}, {}};
    if (errno == EAGAIN || errno == EINTR) return IoResult{IoStatus::kWantRead, 0, {}, {}};
    return io_error("recv", errno);
  }

 private:
  int fd_;
};

// Fills `addr` from an IP literal and port; returns its length or 0 when not an IP literal.
socklen_t make_sockaddr(const CheckTarget& target, sockaddr_storage& addr) {
  std::memset(&addr, 0, sizeof addr);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  if (inet_pton(AF_INET, target.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(target.effective_port());
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET6, target.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(target.effective_port());
    return sizeof(sockaddr_in6);
  }
  return 0;
}

}  // namespace

std::unique_ptr<Transport> make_plain_transport(int fd) {
  return std::make_unique<PlainTransport>(fd);
}

IoResult io_error(const std::string& what, int err) {
  std::string reason = what + "-failed";
  switch (err) {
    case ECONNREFUSED:
      reason = "connect-refused";
      break;
    case ECONNRESET:
    case EPIPE:
      reason = "connection-reset";
      break;
    case ETIMEDOUT:
      reason = "connect-timeout";
      break;
    case EHOSTUNREACH:
      reason = "host-unreachable";
      break;
    case ENETUNREACH:
      reason = "network-unreachable";
      break;
  }
  return IoResult{IoStatus::kError, 0, reason, what + ": " + std::strerror(err)};
}

std::unique_ptr<Exchange> Exchange::start(core::EventLoop& loop, const CheckTarget& target,
                                          ExchangeRequest request, Done done) {
  std::unique_ptr<Exchange> exchange(new Exchange(loop, std::move(request), std::move(done)));
  exchange->begin(target);
  return exchange;
}

Exchange::Exchange(core::EventLoop& loop, ExchangeRequest request, Done done)
    : loop_(loop), request_(std::move(request)), done_(std::move(done)) {}

Exchange::~Exchange() {
  deferred_.cancel();
  transport_.reset();
  if (fd_ < 0) return;
  if (request_.reset_on_close && connected_) {
    const linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);  // best effort
  }
  // The batched watch owns the fd once made: cancelling it closes the fd.
  if (watch_)
    watch_.cancel();
  else
    ::close(fd_);
}

// Edge-triggered: sd-event dispatches one source per loop iteration, and every iteration's
// epoll_wait walks every level-triggered fd still ready. With thousands of probes connecting
// at once that walk grew with the backlog until the loop fell behind for good. The Exchange
// always reads and writes until EAGAIN (or finishes), so an edge is all it needs; changing
// the events re-arms the watch, and epoll then reports readiness that is already there.
constexpr uint32_t kEdge = EPOLLET;

void Exchange::begin(const CheckTarget& target) {
  sockaddr_storage addr;
  const socklen_t len = make_sockaddr(target, addr);
  if (len == 0) return fail_later("bad-address", "'" + target.address + "' is not an IP address");
  fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    IoResult io = io_error("socket", errno);
    return fail_later(io.reason, io.detail);
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) < 0 && errno != EINPROGRESS) {
    // Loopback refusals arrive here synchronously; report them from the loop like the rest.
    IoResult io = io_error("connect", errno);
    return fail_later(io.reason, io.detail);
  }
  // Batched: probes start in bursts (one per timer slot) and their sockets turn ready together.
  // Both directions from the start: an edge-triggered watch then never needs changing (the
  // TLS handshake and the request/reply turns were an epoll_ctl each), and step() only ever
  // waits after reading or writing until EAGAIN, so no edge it needs can be missed.
  auto watch = loop_.watch_fd_batched(fd_, EPOLLIN | EPOLLOUT | kEdge,
                                      [this](uint32_t revents) { on_ready(revents); });
  if (!watch) return fail_later("internal-error", watch.error().message());
  watch_ = std::move(*watch);
}

bool Exchange::check_connected(uint32_t revents) {
  // Writable without an error or hang-up is a finished connect; only a failure needs the
  // SO_ERROR round trip to learn why.
  if ((revents & (EPOLLERR | EPOLLHUP)) == 0) return true;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err == 0) return true;
  IoResult io = io_error("connect", err);
  finish(ExchangeOutcome{false, io.reason, io.detail, {}, false});
  return false;
}

bool Exchange::reusable() const {
  return phase_ == Phase::kFinished && connected_ && transport_ != nullptr;
}

void Exchange::reuse(ExchangeRequest request, Done done) {
  HD_CHECK(reusable());
  request_ = std::move(request);
  done_ = std::move(done);
  sent_ = 0;
  received_.clear();
  phase_ = Phase::kSending;
  starting_ = true;
  step();
  starting_ = false;
}

void Exchange::on_ready(uint32_t revents) {
  // Idle between requests, the peer's close, a reset or bytes nobody asked for mean the
  // connection cannot carry the next request in step. A read edge can also be left over from
  // bytes the last reply already took, hence the peek: nothing waiting (EAGAIN) is no change.
  if (phase_ == Phase::kFinished) {
    if (revents & (EPOLLERR | EPOLLHUP)) {
      phase_ = Phase::kStale;
    } else if (revents & EPOLLIN) {
      char byte;
      const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n >= 0 || errno != EAGAIN) phase_ = Phase::kStale;
    }
    return;
  }
  if (phase_ == Phase::kConnecting) {
    if (!check_connected(revents)) return;
    connected_ = true;
    transport_ = request_.tls ? make_tls_transport(fd_, request_.tls, request_.tls_peer)
                              : make_plain_transport(fd_);
    phase_ = request_.tls ? Phase::kHandshake : Phase::kSending;
  }
  step();
}

void Exchange::step() {
  for (;;) {
    switch (phase_) {
      case Phase::kConnecting:
      case Phase::kFinished:
      case Phase::kStale:
        return;
      case Phase::kHandshake: {
        IoResult io = transport_->handshake();
        if (io.status != IoStatus::kDone) return handle_io(io);
        phase_ = Phase::kSending;
        break;
      }
      case Phase::kSending: {
        const std::string& payload = request_.payload;
        if (sent_ < payload.size()) {
          IoResult io = transport_->write(std::string_view(payload).substr(sent_));
          if (io.status != IoStatus::kDone) return handle_io(io);
          sent_ += io.bytes;
          break;
        }
        if (!request_.complete || request_.complete(received_))
          return finish(ExchangeOutcome{true, "ok", {}, {}, false});
        phase_ = Phase::kReceiving;
        break;
      }
      case Phase::kReceiving:
        return read_available();
    }
  }
}

void Exchange::read_available() {
  char buffer[16 * 1024];
  while (received_.size() < request_.max_bytes) {
    const size_t room = std::min(sizeof buffer, request_.max_bytes - received_.size());
    IoResult io = transport_->read(buffer, room);
    if (io.status != IoStatus::kDone) return handle_io(io);
    received_.append(buffer, io.bytes);
    if (request_.complete(received_)) break;
  }
  finish(ExchangeOutcome{true, "ok", {}, std::move(received_), false});
}

void Exchange::handle_io(const IoResult& io) {
  switch (io.status) {
    case IoStatus::kDone:
      return;
    case IoStatus::kWantRead:
    case IoStatus::kWantWrite:
      return;  // the next edge (either direction is watched) calls step() again
    case IoStatus::kEof:
      if (phase_ == Phase::kHandshake)
        return finish(ExchangeOutcome{false,
                                      "tls-handshake-failed",
                                      "peer closed the connection during the handshake",
                                      {},
                                      false});
      return finish(ExchangeOutcome{true, "ok", {}, std::move(received_), true});
    case IoStatus::kError:
      return finish(ExchangeOutcome{false, io.reason, io.detail, std::move(received_), false});
  }
}

void Exchange::finish(ExchangeOutcome outcome) {
  // The watch stays until destruction (cancelling it closes the fd the transport still uses);
  // a later edge marks an idle connection stale. A failed or closed one is stale at once.
  phase_ = outcome.ok && !outcome.eof ? Phase::kFinished : Phase::kStale;
  if (starting_) {  // reuse() must not call back before it returns
    deferred_ = loop_.defer([this, outcome = std::move(outcome)]() mutable {
      Done done = std::move(done_);
      done(std::move(outcome));
    });
    return;
  }
  // Last: the callback usually destroys this Exchange.
  Done done = std::move(done_);
  done(std::move(outcome));
}

void Exchange::fail_later(std::string reason, std::string detail) {
  deferred_ = loop_.defer([this, reason = std::move(reason), detail = std::move(detail)] {
    finish(ExchangeOutcome{false, reason, detail, {}, false});
  });
}

std::string printable(std::string_view bytes, size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes.substr(0, max)) {
    if (c == '\\' || c < 0x20 || c > 0x7e)
      out += std::string("\\x") + kHex[c >> 4] + kHex[c & 15];
    else
      out += static_cast<char>(c);
  }
  if (bytes.size() > max) out += "...";
  return out;
}

}  // namespace hadirector::checkers::net
