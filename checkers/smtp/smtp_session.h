// One SMTP health-check conversation (RFC 5321 §3.1, §4.1.1.1, §4.1.1.10): connect, read the
// 220 greeting, send EHLO, expect 250, send QUIT and wait for the reply or the close. Driven by
// the EventLoop on a non-blocking socket; destroying the session closes it. No STARTTLS, no
// AUTH, no mail is ever sent.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "checkers/checker.h"
#include "checkers/net/transport.h"
#include "checkers/smtp/smtp_reply.h"
#include "daemon/core/event_loop.h"
#include "daemon/core/unique_fd.h"

namespace hadirector::checkers::smtp {

class SmtpSession {
 public:
  using Done = std::function<void(ProbeResult)>;

  // `done` runs once from the loop (never inside start) unless the session is destroyed first.
  static std::unique_ptr<SmtpSession> start(core::EventLoop& loop, const CheckTarget& target,
                                            std::string helo_name, Done done);
  ~SmtpSession();
  SmtpSession(const SmtpSession&) = delete;
  SmtpSession& operator=(const SmtpSession&) = delete;

 private:
  enum class Step { kConnecting, kGreeting, kEhlo, kQuit, kFinished };

  SmtpSession(core::EventLoop& loop, std::string helo_name, Done done);
  void begin(const CheckTarget& target);
  void on_ready();
  bool flush();
  bool read_available();
  void on_reply(const SmtpReply& reply);
  void queue(std::string line);
  void finish(ProbeResult result);
  void fail_later(std::string reason, std::string detail);

  core::EventLoop& loop_;
  std::string helo_name_;
  Done done_;
  core::UniqueFd fd_;
  std::unique_ptr<net::Transport> transport_;
  Step step_ = Step::kConnecting;
  std::string out_;
  std::string in_;
  std::string greeting_;
  uint32_t events_ = 0;
  core::Handle watch_;
  core::Handle deferred_;
};

}  // namespace hadirector::checkers::smtp
