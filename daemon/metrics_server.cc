#include "daemon/metrics_server.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/core/log.h"
#include "daemon/metrics_format.h"

namespace hadirector::daemon {
namespace {

std::string response(int code, const char* reason, std::string_view content_type,
                     const std::string& body) {
  return "HTTP/1.1 " + std::to_string(code) + " " + reason +
         "\r\nContent-Type: " + std::string(content_type) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

std::string plain(int code, const char* reason) {
  return response(code, reason, "text/plain; charset=utf-8", std::string(reason) + "\n");
}

}  // namespace

// One connection: reads the request head, asks for the body once, writes it, closes.
class MetricsClient : public std::enable_shared_from_this<MetricsClient> {
 public:
  MetricsClient(core::EventLoop& loop, MetricsServer& server, const MetricsLimits& limits,
                core::UniqueFd fd)
      : loop_(loop), server_(server), limits_(limits), fd_(std::move(fd)) {}

  core::Status start(MetricsServer::Scrape* scrape) {
    scrape_ = scrape;
    auto watch = loop_.watch_fd(fd_.get(), EPOLLIN, [this](uint32_t ev) { on_io(ev); });
    if (!watch) return std::unexpected(watch.error());
    watch_ = std::move(*watch);
    timer_ = loop_.schedule_after(limits_.timeout, [this] { close(); });
    return {};
  }

  void answer(const std::string& http) {
    if (closing_) return;
    out_ = http;
    answered_ = true;
    write_ready();
  }

 private:
  void on_io(uint32_t revents) {
    auto self = shared_from_this();  // close() may drop the last other reference.
    if (revents & EPOLLOUT) write_ready();
    if (!closing_ && !asked_ && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))) read_ready();
    if (!closing_ && asked_ && !answered_ && (revents & (EPOLLHUP | EPOLLERR))) close();
  }

  void read_ready() {
    char buf[4096];
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return close();
    if (n < 0) return;
    in_.append(buf, static_cast<size_t>(n));
    size_t end = in_.find("\r\n\r\n");
    if (end == std::string::npos) end = in_.find("\n\n");
    if (end == std::string::npos) {
      if (in_.size() > limits_.max_request) answer(plain(431, "Request Header Fields Too Large"));
      return;
    }
    if (end > limits_.max_request) return answer(plain(431, "Request Header Fields Too Large"));
    handle_request(in_.substr(0, in_.find_first_of("\r\n")));
  }

  void handle_request(const std::string& line) {
    // "GET /metrics HTTP/1.1"; a query string is ignored.
    size_t sp1 = line.find(' ');
    size_t sp2 = line.find(' ', sp1 == std::string::npos ? sp1 : sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos ||
        line.compare(sp2 + 1, 5, "HTTP/") != 0)
      return answer(plain(400, "Bad Request"));
    std::string method = line.substr(0, sp1);
    std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    target = target.substr(0, target.find('?'));
    if (target != "/metrics") return answer(plain(404, "Not Found"));
    if (method != "GET") return answer(plain(405, "Method Not Allowed"));
    asked_ = true;
    (void)loop_.set_fd_events(watch_, 0);  // Nothing more to read; hang-ups still wake us.
    std::weak_ptr<MetricsClient> weak = weak_from_this();
    (*scrape_)([weak](const std::string& body) {
      if (auto self = weak.lock()) self->answer(response(200, "OK", kMetricsContentType, body));
    });
  }

  void write_ready() {
    auto self = shared_from_this();
    while (!out_.empty()) {
      ssize_t n = ::send(fd_.get(), out_.data(), out_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        out_.erase(0, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return close();
    }
    if (out_.empty() && answered_) {
      ::shutdown(fd_.get(), SHUT_WR);
      return close();
    }
    (void)loop_.set_fd_events(watch_, out_.empty() ? EPOLLIN : EPOLLOUT);
  }

  void close() {
    if (closing_) return;
    closing_ = true;
    watch_.cancel();
    timer_.cancel();
    server_.drop(this);
  }

  core::EventLoop& loop_;
  MetricsServer& server_;
  const MetricsLimits& limits_;
  core::UniqueFd fd_;
  MetricsServer::Scrape* scrape_ = nullptr;
  core::Handle watch_;
  core::Handle timer_;
  std::string in_;
  std::string out_;
  bool asked_ = false;
  bool answered_ = false;
  bool closing_ = false;
};

MetricsServer::MetricsServer(core::EventLoop& loop, MetricsLimits limits, Scrape scrape)
    : loop_(loop), limits_(limits), scrape_(std::move(scrape)), clients_(loop) {}

MetricsServer::~MetricsServer() {
  listen_watch_.cancel();
  clients_.clear();
}

core::Status MetricsServer::listen(const config::Endpoint& endpoint) {
  sockaddr_storage ss{};
  socklen_t len;
  if (endpoint.addr.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(endpoint.port);
    std::memcpy(&sin->sin_addr, endpoint.addr.bytes.data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(endpoint.port);
    std::memcpy(&sin6->sin6_addr, endpoint.addr.bytes.data(), 16);
    len = sizeof(sockaddr_in6);
  }
  const std::string where = "metrics listener " + endpoint.to_string();
  core::UniqueFd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return core::fail_errno(errno, where);
  int one = 1;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ss.ss_family == AF_INET6)
    (void)::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) < 0)
    return core::fail_errno(errno, "bind " + where);
  if (::listen(fd.get(), 64) < 0) return core::fail_errno(errno, "listen on " + where);
  auto watch = loop_.watch_fd(fd.get(), EPOLLIN, [this](uint32_t) { accept_ready(); });
  if (!watch) return std::unexpected(watch.error());
  listen_watch_ = std::move(*watch);
  listen_fd_ = std::move(fd);
  endpoint_ = endpoint;
  return {};
}

void MetricsServer::accept_ready() {
  for (;;) {
    core::UniqueFd fd(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        core::log_warning(std::string("metrics: accept failed: ") + strerrorname_np(errno));
      return;
    }
    if (clients_.size() >= limits_.max_clients) {
      static const std::string kBusy = plain(503, "Service Unavailable");
      (void)!::send(fd.get(), kBusy.data(), kBusy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      continue;
    }
    auto client = std::make_shared<MetricsClient>(loop_, *this, limits_, std::move(fd));
    if (client->start(&scrape_)) clients_.add(client);
  }
}

void MetricsServer::drop(MetricsClient* client) { clients_.drop(client); }

}  // namespace hadirector::daemon
