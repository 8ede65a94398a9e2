#include "daemon/control_server.h"

#include <grp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/core/log.h"
#include "daemon/socket_output.h"

namespace hadirector::daemon {

// One connected client: reads request lines, writes replies, enforces the limits.
class ControlClient : public std::enable_shared_from_this<ControlClient> {
 public:
  ControlClient(core::EventLoop& loop, ControlServer& server, const ControlLimits& limits,
                core::UniqueFd fd, uid_t uid)
      : loop_(loop), server_(server), limits_(limits), fd_(std::move(fd)), uid_(uid) {}

  core::Status start(ControlServer::Handler* handler) {
    handler_ = handler;
    auto watch = loop_.watch_fd(fd_.get(), EPOLLIN, [this](uint32_t ev) { on_io(ev); });
    if (!watch) return std::unexpected(watch.error());
    watch_ = std::move(*watch);
    arm_request_timer();
    return {};
  }

  bool send(const nlohmann::json& message) {
    if (closing_) return false;
    const bool had_backlog = !out_.empty();
    out_ += message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out_ += '\n';
    // What is bounded is what a slow reader lets pile up: one reply may exceed the limit on its
    // own (a 10,000-server status is about 8 MB) and is sent whole to a client that had read
    // everything before it.
    if (had_backlog && out_.size() > limits_.max_queued_output) {
      core::log_warning("control: dropping a client that does not read its replies");
      close();
      return false;
    }
    replied_ = true;
    write_ready();
    return !closing_;
  }

  uid_t uid() const { return uid_; }
  void keep_open() { keep_open_ = true; }
  // Connected but no complete request yet: what a full server sheds first, oldest first.
  bool waiting() const { return !request_seen_ && !closing_; }
  void evict() { close(); }
  uint64_t serial = 0;  // accept order

 private:
  void on_io(uint32_t revents) {
    auto self = shared_from_this();  // The handler may drop us.
    if (revents & EPOLLOUT) write_ready();
    if (!closing_ && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))) read_ready();
  }

  void read_ready() {
    char buf[16384];
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      close();
      return;
    }
    if (n < 0) return;
    in_.append(buf, static_cast<size_t>(n));
    size_t nl;
    while (!closing_ && (nl = in_.find('\n')) != std::string::npos) {
      std::string line = in_.substr(0, nl);
      in_.erase(0, nl + 1);
      handle_line(line);
    }
    if (!closing_ && in_.size() > limits_.max_request) {
      reply_error("request too large (limit " + std::to_string(limits_.max_request) + " bytes)");
      finish();
    }
  }

  void handle_line(const std::string& line) {
    if (line.size() > limits_.max_request) {
      reply_error("request too large (limit " + std::to_string(limits_.max_request) + " bytes)");
      finish();
      return;
    }
    auto request = nlohmann::json::parse(line, nullptr, false);
    if (request.is_discarded() || !request.is_object()) {
      reply_error("request is not a JSON object");
      finish();
      return;
    }
    request_timer_.cancel();
    if (!server_.admit(uid_)) {
      reply_error("rate limited: more than " + std::to_string(int(limits_.requests_per_second)) +
                  " requests a second from uid " + std::to_string(uid_));
      finish();
      return;
    }
    replied_ = false;
    request_seen_ = true;
    (*handler_)(request, Responder(weak_from_this()));
    // A handler that answered synchronously and did not ask to stream: done.
    if (replied_ && !keep_open_) finish();
  }

  void reply_error(const std::string& message) { send({{"ok", false}, {"error", message}}); }

  void write_ready() {
    if (write_queued(fd_.get(), out_) == WriteOutcome::kFailed) {
      close();
      return;
    }
    if (out_.empty() && finishing_) {
      close();
      return;
    }
    (void)loop_.set_fd_events(watch_, out_.empty() ? EPOLLIN : (EPOLLIN | EPOLLOUT));
  }

  // Close once the queued output is written.
  void finish() {
    finishing_ = true;
    if (out_.empty()) close();
  }

  void arm_request_timer() {
    request_timer_ = loop_.schedule_after(limits_.request_timeout, [this] {
      if (!replied_ && !keep_open_) close();
    });
  }

  void close() {
    if (closing_) return;
    closing_ = true;
    watch_.cancel();
    request_timer_.cancel();
    server_.drop(this);  // May destroy *this once the caller's reference goes.
  }

  core::EventLoop& loop_;
  ControlServer& server_;
  const ControlLimits& limits_;
  core::UniqueFd fd_;
  uid_t uid_;
  ControlServer::Handler* handler_ = nullptr;
  core::Handle watch_;
  core::Handle request_timer_;
  std::string in_;
  std::string out_;
  bool replied_ = false;
  bool keep_open_ = false;
  bool request_seen_ = false;
  bool finishing_ = false;
  bool closing_ = false;
};

bool Responder::send(const nlohmann::json& message) const {
  auto client = client_.lock();
  return client && client->send(message);
}

uid_t Responder::peer_uid() const {
  auto client = client_.lock();
  return client ? client->uid() : static_cast<uid_t>(-1);
}

void Responder::keep_open() const {
  if (auto client = client_.lock()) client->keep_open();
}

ControlServer::ControlServer(core::EventLoop& loop, ControlLimits limits, Handler handler)
    : loop_(loop),
      limits_(limits),
      handler_(std::move(handler)),
      clients_(loop),
      rate_(limits.requests_per_second, limits.request_burst) {}

bool ControlServer::admit(uid_t uid) { return uid == 0 || rate_.admit(uid, loop_.now()); }

ControlServer::~ControlServer() {
  listen_watch_.cancel();
  clients_.clear();
  if (!path_.empty()) ::unlink(path_.c_str());
}

core::Status ControlServer::listen(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return core::fail(core::Errc::kInvalid, "control socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  core::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return core::fail_errno(errno, "control socket");
  ::unlink(path.c_str());  // A stale socket from a previous run; the pid file guards a live one.
  mode_t old_mask = ::umask(0117);
  int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old_mask);
  if (rc < 0) return core::fail_errno(errno, "bind control socket " + path);
  if (::chmod(path.c_str(), 0660) < 0) return core::fail_errno(errno, "chmod " + path);
  if (::listen(fd.get(), 128) < 0) return core::fail_errno(errno, "listen on " + path);
  auto watch = loop_.watch_fd(fd.get(), EPOLLIN, [this](uint32_t) { accept_ready(); });
  if (!watch) return std::unexpected(watch.error());
  listen_fd_ = std::move(fd);
  listen_watch_ = std::move(*watch);
  path_ = path;
  return {};
}

core::Status ControlServer::set_read_group(const std::optional<std::string>& group) {
  gid_t gid = ::getegid();
  if (group) {
    std::vector<char> buf(16384);
    struct group entry {};
    struct group* found = nullptr;
    int rc = ::getgrnam_r(group->c_str(), &entry, buf.data(), buf.size(), &found);
    if (rc != 0 || !found) {
      (void)!::chown(path_.c_str(), static_cast<uid_t>(-1), gid);
      return core::fail(core::Errc::kNotFound, "control.read_group: no group named '" + *group +
                                                   "'; the control socket stays root only");
    }
    gid = found->gr_gid;
  }
  if (::chown(path_.c_str(), static_cast<uid_t>(-1), gid) < 0)
    return core::fail_errno(errno, "chown " + path_);
  if (::chmod(path_.c_str(), 0660) < 0) return core::fail_errno(errno, "chmod " + path_);
  return {};
}

void ControlServer::accept_ready() {
  // A bounded batch, so that the clients already accepted are read between batches: a flood of
  // connections cannot push a real request out before it is read.
  for (int batch = 0; batch < 16; ++batch) {
    core::UniqueFd fd(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (fd.get() < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        core::log_warning(std::string("control: accept failed: ") + strerrorname_np(errno));
      return;
    }
    if (clients_.size() >= limits_.max_clients) {
      // Idle connections must not lock operators out: the oldest one that never sent a
      // request makes room.
      ControlClient* oldest = nullptr;
      for (const auto& [raw, c] : clients_)
        if (c->waiting() && (!oldest || c->serial < oldest->serial)) oldest = raw;
      if (oldest) oldest->evict();
    }
    if (clients_.size() >= limits_.max_clients) {
      static const char kBusy[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";
      (void)!::send(fd.get(), kBusy, sizeof kBusy - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
      continue;
    }
    ucred cred{};
    socklen_t len = sizeof cred;
    uid_t uid = static_cast<uid_t>(-1);
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) uid = cred.uid;
    auto client = std::make_shared<ControlClient>(loop_, *this, limits_, std::move(fd), uid);
    client->serial = next_serial_++;
    if (client->start(&handler_)) clients_.add(client);
  }
}

void ControlServer::drop(ControlClient* client) { clients_.drop(client); }

}  // namespace hadirector::daemon
