#include "checkers/dgram/datagram_probe.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>

#include <cerrno>
#include <cstring>

#include "checkers/net/transport.h"

namespace hadirector::checkers::dgram {

std::string DatagramOutcome::error_text() const { return what + ": " + std::strerror(error); }

ProbeResult datagram_failure(const DatagramOutcome& outcome) {
  if (outcome.error == ECONNREFUSED)
    return ProbeResult::failure("port-unreachable", outcome.error_text());
  net::IoResult io = net::io_error(outcome.what, outcome.error);
  return ProbeResult::failure(io.reason, io.detail);
}

core::Result<core::UniqueFd> open_socket(int family, int type, int protocol) {
  const int fd = ::socket(family, type | SOCK_CLOEXEC, protocol);
  if (fd < 0) return core::fail_errno(errno, "socket");
  return core::UniqueFd(fd);
}

std::unique_ptr<DatagramProbe> DatagramProbe::start(core::EventLoop& loop,
                                                    core::Result<core::UniqueFd> fd,
                                                    const SocketAddress& peer,
                                                    DatagramRequest request, Done done) {
  std::unique_ptr<DatagramProbe> probe(new DatagramProbe(
      loop, fd ? std::move(*fd) : core::UniqueFd(), std::move(request), std::move(done)));
  if (fd)
    probe->begin(peer);
  else
    probe->fail_later(fd.error().sys_errno(), "socket");
  return probe;
}

DatagramProbe::DatagramProbe(core::EventLoop& loop, core::UniqueFd fd, DatagramRequest request,
                             Done done)
    : loop_(loop), fd_(std::move(fd)), request_(std::move(request)), done_(std::move(done)) {}

DatagramProbe::~DatagramProbe() {
  watch_.cancel();
  timer_.cancel();
  deferred_.cancel();
}

void DatagramProbe::begin(const SocketAddress& peer) {
  const int fd = fd_.get();
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return fail_later(errno, "fcntl");
  // Without RECVERR only "hard" ICMP errors (port unreachable) reach a connected socket;
  // with it, host and network unreachable do too.
  const int one = 1;
  if (peer.family() == AF_INET6)
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
  else
    ::setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
  if (::connect(fd, peer.get(), peer.length) < 0) return fail_later(errno, "connect");
  const std::string& payload = request_.payload;
  if (::send(fd, payload.data(), payload.size(), MSG_NOSIGNAL) < 0)
    return fail_later(errno, "send");
  buffer_.resize(request_.max_datagram);
  auto watch = loop_.watch_fd(fd, EPOLLIN, [this](uint32_t) { on_ready(); });
  if (!watch) return fail_later(watch.error().sys_errno(), "watch");
  watch_ = std::move(*watch);
  if (request_.quiet_success)
    timer_ = loop_.schedule_after(*request_.quiet_success, [this] {
      finish(DatagramOutcome{DatagramOutcome::Kind::kQuiet, {}, 0, {}});
    });
}

void DatagramProbe::on_ready() {
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), buffer_.data(), buffer_.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      return finish(DatagramOutcome{DatagramOutcome::Kind::kError, {}, errno, "recv"});
    }
    std::string_view datagram(buffer_.data(), static_cast<size_t>(n));
    if (request_.accept && request_.accept(datagram))
      return finish(DatagramOutcome{DatagramOutcome::Kind::kAnswer, std::string(datagram), 0, {}});
  }
}

void DatagramProbe::finish(DatagramOutcome outcome) {
  watch_.cancel();
  timer_.cancel();
  // Last: the callback usually destroys this probe.
  Done done = std::move(done_);
  done(std::move(outcome));
}

void DatagramProbe::fail_later(int error, std::string what) {
  deferred_ = loop_.defer([this, error, what = std::move(what)] {
    finish(DatagramOutcome{DatagramOutcome::Kind::kError, {}, error, what});
  });
}

}  // namespace hadirector::checkers::dgram
