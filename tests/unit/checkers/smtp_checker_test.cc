// The smtp check type: the reply parser (golden replies, multi-line, truncation, bad codes),
// validation messages, and conversations with an SMTP server thread on loopback.
#include "checkers/smtp/smtp_checker.h"

#include <gtest/gtest.h>

#include <mutex>

#include "checkers/smtp/smtp_reply.h"
#include "tests/unit/checkers/node_builder.h"
#include "tests/unit/checkers/test_server.h"
#include "tests/unit/checkers/type_test_support.h"

namespace hadirector::checkers {
namespace {

using smtp::parse_smtp_reply;
using testing::map;
using testing::scalar;
using testing::TestServer;

TEST(SmtpReply, ParsesASingleLineReply) {
  auto parsed = parse_smtp_reply("220 mx.example.org ESMTP ready\r\n");
  ASSERT_TRUE(parsed && parsed->reply);
  EXPECT_EQ(parsed->reply->code, 220);
  EXPECT_EQ(parsed->reply->lines, std::vector<std::string>{"mx.example.org ESMTP ready"});
  EXPECT_EQ(parsed->consumed, 32u);
}

TEST(SmtpReply, ParsesAMultiLineReplyAndStopsAtItsEnd) {
  const std::string text = "250-mx.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n221 bye\r\n";
  auto parsed = parse_smtp_reply(text);
  ASSERT_TRUE(parsed && parsed->reply);
  EXPECT_EQ(parsed->reply->code, 250);
  EXPECT_EQ(parsed->reply->lines,
            (std::vector<std::string>{"mx.example.org", "PIPELINING", "8BITMIME"}));
  EXPECT_EQ(text.substr(parsed->consumed), "221 bye\r\n");
}

TEST(SmtpReply, AcceptsABareCodeAndBareLineFeeds) {
  auto parsed = parse_smtp_reply("250\n");
  ASSERT_TRUE(parsed && parsed->reply);
  EXPECT_EQ(parsed->reply->code, 250);
  EXPECT_EQ(parsed->reply->lines, std::vector<std::string>{""});
}

TEST(SmtpReply, EveryTruncationIsIncompleteNotAnError) {
  const std::string text = "250-a\r\n250-b\r\n250 c\r\n";
  for (size_t n = 0; n < text.size(); ++n) {
    auto parsed = parse_smtp_reply(text.substr(0, n));
    ASSERT_TRUE(parsed) << n << ": " << parsed.error().message();
    EXPECT_FALSE(parsed->reply) << "complete after " << n << " bytes";
  }
}

TEST(SmtpReply, RejectsLinesWithoutAValidCode) {
  for (const char* bad : {"hello\r\n", "600 no\r\n", "260 no\r\n", "25 x\r\n", "250x\r\n"})
    EXPECT_FALSE(parse_smtp_reply(bad)) << bad;
}

TEST(SmtpReply, RejectsACodeThatChangesWithinAReply) {
  auto parsed = parse_smtp_reply("250-a\r\n251 b\r\n");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message(), "reply code changes from 250 to 251 within one reply");
}

TEST(SmtpReply, RejectsOverlongLinesEvenBeforeTheirEnd) {
  EXPECT_FALSE(parse_smtp_reply("220 " + std::string(smtp::kMaxLine, 'x')));
  EXPECT_FALSE(parse_smtp_reply("220 " + std::string(smtp::kMaxLine, 'x') + "\r\n"));
}

TEST(SmtpReply, RejectsEndlessContinuation) {
  std::string text;
  for (size_t i = 0; i < smtp::kMaxLines; ++i) text += "250-x\r\n";
  EXPECT_FALSE(parse_smtp_reply(text));
}

// An SMTP server thread on 127.0.0.1: sends `greeting`, then answers each line it reads with
// the next of `replies` and records the lines; closes after the last reply.
class SmtpTestServer {
 public:
  SmtpTestServer(std::string greeting, std::vector<std::string> replies)
      : greeting_(std::move(greeting)), replies_(std::move(replies)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ok_ = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), len) == 0 &&
          ::listen(listen_fd_, 4) == 0 &&
          ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~SmtpTestServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  bool ok() const { return ok_; }
  uint16_t port() const { return port_; }
  std::string commands() {
    std::lock_guard lock(mutex_);
    return commands_;
  }

 private:
  void serve() {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)!::send(fd, greeting_.data(), greeting_.size(), MSG_NOSIGNAL);
    std::string pending;
    char buffer[512];
    for (const auto& reply : replies_) {
      while (pending.find('\n') == std::string::npos) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) return (void)::close(fd);
        pending.append(buffer, static_cast<size_t>(n));
      }
      const size_t end = pending.find('\n') + 1;
      {
        std::lock_guard lock(mutex_);
        commands_ += pending.substr(0, end);
      }
      pending.erase(0, end);
      (void)!::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    }
    // Hang up with a FIN, then read what the client still sends: closing with unread bytes
    // would make the kernel answer with a reset, and the client's reason would depend on
    // whether its next command had arrived yet.
    ::shutdown(fd, SHUT_WR);
    while (::recv(fd, buffer, sizeof buffer, 0) > 0) {
    }
    ::close(fd);
  }

  std::string greeting_;
  std::vector<std::string> replies_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  bool ok_ = false;
  std::mutex mutex_;
  std::string commands_;
  std::thread thread_;
};

class SmtpCheck : public testing::TypeTest {
 protected:
  SmtpCheckerFactory factory_;
};

TEST_F(SmtpCheck, ValidationOfHeloNameAndStarttls) {
  EXPECT_TRUE(factory_.validate(map({{"helo_name", scalar("lb1.example.org")}})).empty());
  EXPECT_EQ(only_error(factory_, map({{"helo_name", scalar("lb1 example")}})),
            "checks.yaml:2:10: 'helo_name' must be a host name without spaces or control "
            "characters");
  EXPECT_EQ(only_error(factory_, map({{"starttls", scalar("true")}})),
            "checks.yaml:2:10: 'starttls: true' is not supported yet");
  EXPECT_EQ(only_error(factory_, map({{"helo_nmae", scalar("x")}})),
            "checks.yaml:2:3: unknown key 'helo_nmae' in smtp check; did you mean 'helo_name'?");
}

TEST_F(SmtpCheck, PassesAfterGreetingEhloAndQuit) {
  SmtpTestServer server("220-mx.example.org ESMTP\r\n220 welcome\r\n",
                        {"250-mx.example.org\r\n250 PIPELINING\r\n", "221 bye\r\n"});
  ASSERT_TRUE(server.ok());
  auto checker =
      make(factory_, map({{"helo_name", scalar("lb1.test")}}), "127.0.0.1", server.port());
  auto result = probe(*checker);
  EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
  EXPECT_EQ(result.detail, "220 mx.example.org ESMTP");
  EXPECT_EQ(server.commands(), "EHLO lb1.test\r\nQUIT\r\n");
}

TEST_F(SmtpCheck, PassesWhenTheServerClosesInsteadOfAnsweringQuit) {
  SmtpTestServer server("220 mx\r\n", {"250 mx\r\n"});
  auto checker = make(factory_, config::Node{}, "127.0.0.1", server.port());
  EXPECT_TRUE(probe(*checker).ok);
}

TEST_F(SmtpCheck, FailsWithTheGreetingCode) {
  SmtpTestServer server("554 no service here\r\n", {});
  auto checker = make(factory_, config::Node{}, "127.0.0.1", server.port());
  auto result = probe(*checker);
  EXPECT_EQ(result.reason, "smtp-greeting-554");
  EXPECT_EQ(result.detail, "554 no service here");
}

TEST_F(SmtpCheck, FailsWithTheEhloCode) {
  SmtpTestServer server("220 mx\r\n", {"502 command not implemented\r\n"});
  auto checker = make(factory_, config::Node{}, "127.0.0.1", server.port());
  EXPECT_EQ(probe(*checker).reason, "smtp-ehlo-502");
}

TEST_F(SmtpCheck, FailsBadReplyOnSomethingThatIsNotSmtp) {
  SmtpTestServer server("SSH-2.0-OpenSSH_9.2\r\n", {});
  auto checker = make(factory_, config::Node{}, "127.0.0.1", server.port());
  EXPECT_EQ(probe(*checker).reason, "smtp-bad-reply");
}

TEST_F(SmtpCheck, FailsConnectionClosedWhenTheServerHangsUpEarly) {
  SmtpTestServer server("220 mx\r\n", {});
  auto checker = make(factory_, config::Node{}, "127.0.0.1", server.port());
  EXPECT_EQ(probe(*checker).reason, "connection-closed");
}

TEST_F(SmtpCheck, FailsConnectRefusedWhenNothingListens) {
  auto checker = make(factory_, config::Node{}, "127.0.0.1", testing::closed_port());
  EXPECT_EQ(probe(*checker).reason, "connect-refused");
}

}  // namespace
}  // namespace hadirector::checkers
