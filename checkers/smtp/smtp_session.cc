#include "checkers/smtp/smtp_session.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

#include "checkers/dgram/socket_address.h"
#include "checkers/net/exchange_checker.h"

namespace hadirector::checkers::smtp {

namespace {

// A session reads a greeting and two short replies; an EHLO list is well under this.
constexpr size_t kMaxReceived = 64 * 1024;

std::string first_line(const SmtpReply& reply) {
  return std::to_string(reply.code) + " " +
         net::printable(reply.lines.empty() ? "" : reply.lines.front(), 80);
}

}  // namespace

std::unique_ptr<SmtpSession> SmtpSession::start(core::EventLoop& loop, const CheckTarget& target,
                                                std::string helo_name, Done done) {
  std::unique_ptr<SmtpSession> session(
      new SmtpSession(loop, std::move(helo_name), std::move(done)));
  session->begin(target);
  return session;
}

SmtpSession::SmtpSession(core::EventLoop& loop, std::string helo_name, Done done)
    : loop_(loop), helo_name_(std::move(helo_name)), done_(std::move(done)) {}

SmtpSession::~SmtpSession() {
  watch_.cancel();
  deferred_.cancel();
  transport_.reset();
}

void SmtpSession::begin(const CheckTarget& target) {
  auto peer = dgram::socket_address(target.address, target.effective_port());
  if (!peer) return fail_later("bad-address", peer.error().message());
  fd_.reset(::socket(peer->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd_) {
    net::IoResult io = net::io_error("socket", errno);
    return fail_later(io.reason, io.detail);
  }
  if (::connect(fd_.get(), peer->get(), peer->length) < 0 && errno != EINPROGRESS) {
    net::IoResult io = net::io_error("connect", errno);
    return fail_later(io.reason, io.detail);
  }
  events_ = EPOLLOUT;
  auto watch = loop_.watch_fd(fd_.get(), events_, [this](uint32_t) { on_ready(); });
  if (!watch) return fail_later("internal-error", watch.error().message());
  watch_ = std::move(*watch);
}

void SmtpSession::on_ready() {
  if (step_ == Step::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err != 0) {
      net::IoResult io = net::io_error("connect", err);
      return finish(ProbeResult::failure(io.reason, io.detail));
    }
    transport_ = net::make_plain_transport(fd_.get());
    step_ = Step::kGreeting;
  }
  if (!flush() || !read_available()) return;
  const uint32_t wanted = out_.empty() ? EPOLLIN : EPOLLIN | EPOLLOUT;
  if (wanted != events_) {
    events_ = wanted;
    if (auto st = loop_.set_fd_events(watch_, events_); !st)
      finish(ProbeResult::failure("internal-error", st.error().message()));
  }
}

// Writes what is queued; false when the session finished.
bool SmtpSession::flush() {
  while (!out_.empty()) {
    net::IoResult io = transport_->write(out_);
    if (io.status == net::IoStatus::kWantWrite) return true;
    if (io.status != net::IoStatus::kDone) {
      finish(ProbeResult::failure(io.reason.empty() ? "connection-closed" : io.reason, io.detail));
      return false;
    }
    out_.erase(0, io.bytes);
  }
  return true;
}

// Reads and handles complete replies; false when the session finished.
bool SmtpSession::read_available() {
  char buffer[4096];
  for (;;) {
    net::IoResult io = transport_->read(buffer, sizeof buffer);
    if (io.status == net::IoStatus::kWantRead) return true;
    if (io.status == net::IoStatus::kEof || io.status == net::IoStatus::kError) {
      // After QUIT the server may close before or instead of its 221: the check is done.
      if (step_ == Step::kQuit)
        finish(ProbeResult::success(greeting_));
      else if (io.status == net::IoStatus::kEof)
        finish(ProbeResult::failure("connection-closed", "the server closed the connection"));
      else
        finish(ProbeResult::failure(io.reason, io.detail));
      return false;
    }
    in_.append(buffer, io.bytes);
    if (in_.size() > kMaxReceived) {
      finish(ProbeResult::failure("smtp-bad-reply", "more than 64 KiB of replies"));
      return false;
    }
    for (;;) {
      auto parsed = parse_smtp_reply(in_);
      if (!parsed) {
        finish(ProbeResult::failure(
            "smtp-bad-reply", parsed.error().message() + ": \"" + net::printable(in_) + "\""));
        return false;
      }
      if (!parsed->reply) break;
      in_.erase(0, parsed->consumed);
      on_reply(*parsed->reply);
      if (step_ == Step::kFinished) return false;
    }
    if (!flush()) return false;
  }
}

void SmtpSession::on_reply(const SmtpReply& reply) {
  switch (step_) {
    case Step::kGreeting:
      if (reply.code != 220)
        return finish(
            ProbeResult::failure("smtp-greeting-" + std::to_string(reply.code), first_line(reply)));
      greeting_ = first_line(reply);
      step_ = Step::kEhlo;
      return queue("EHLO " + helo_name_ + "\r\n");
    case Step::kEhlo:
      if (reply.code != 250)
        return finish(
            ProbeResult::failure("smtp-ehlo-" + std::to_string(reply.code), first_line(reply)));
      step_ = Step::kQuit;
      return queue("QUIT\r\n");
    case Step::kQuit:
      return finish(ProbeResult::success(greeting_));
    case Step::kConnecting:
    case Step::kFinished:
      return;
  }
}

void SmtpSession::queue(std::string line) { out_ += line; }

void SmtpSession::finish(ProbeResult result) {
  step_ = Step::kFinished;
  watch_.cancel();
  // The callback usually destroys this session, so it runs from the loop, never from inside
  // one of our own methods (which still read members after finish()).
  deferred_ = loop_.defer([this, result = std::move(result)]() mutable {
    Done done = std::move(done_);
    done(std::move(result));
  });
}

void SmtpSession::fail_later(std::string reason, std::string detail) {
  deferred_ = loop_.defer([this, reason = std::move(reason), detail = std::move(detail)] {
    finish(ProbeResult::failure(reason, detail));
  });
}

}  // namespace hadirector::checkers::smtp
