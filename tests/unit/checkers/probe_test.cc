// Component tests: real probes on the real EventLoop against servers this test starts on
// loopback with ephemeral ports. Waits are bounded by run_until deadlines; nothing sleeps.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "checkers/check_runner.h"
#include "checkers/registry.h"
#include "daemon/core/event_loop.h"
#include "tests/unit/checkers/node_builder.h"
#include "tests/unit/checkers/test_server.h"

namespace hadirector::checkers {
namespace {

using testing::map;
using testing::scalar;
using testing::sequence;
using testing::ServerOptions;
using testing::TestServer;

std::string http_reply(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

bool read_nothing(const std::string&) { return true; }
bool one_line(const std::string& r) { return r.find('\n') != std::string::npos; }

class ProbeTest : public ::testing::Test {
 public:
  void SetUp() override {
    auto loop = core::EventLoop::create();
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
    register_builtin_checkers(registry_);
  }

  std::unique_ptr<Checker> make(const std::string& type, uint16_t port, const config::Node& params,
                                const std::string& address = "127.0.0.1") {
    CheckContext context{*loop_};
    auto checker =
        registry_.find(type)->create(CheckTarget{address, port, std::nullopt}, params, context);
    EXPECT_TRUE(checker) << (checker ? "" : checker.error().message());
    return checker ? std::move(*checker) : nullptr;
  }

  ProbeResult probe(Checker& checker) {
    std::optional<ProbeResult> result;
    checker.start_probe([&](ProbeResult r) { result = std::move(r); });
    EXPECT_FALSE(result) << "done ran inside start_probe";
    auto finished = loop_->run_until([&] { return result.has_value(); }, 5s);
    EXPECT_TRUE(finished && *finished) << "probe did not finish within the deadline";
    return result.value_or(ProbeResult::failure("test-deadline"));
  }

  std::unique_ptr<core::EventLoop> loop_;
  CheckerRegistry registry_;
};

TEST_F(ProbeTest, TcpPassesWhenTheServerAccepts) {
  TestServer server({.request_complete = read_nothing, .reply = {}});
  ASSERT_TRUE(server.ok());
  auto checker = make("tcp", server.port(), config::Node{});
  auto result = probe(*checker);
  EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
}

// What the server's side of a finished tcp probe reads: "reset", "eof" or the bytes sent.
std::string server_side_after_probe(ProbeTest& test, const config::Node& params);

TEST_F(ProbeTest, BareTcpProbeClosesWithAResetAndOneThatSendsDoesNot) {
  EXPECT_EQ(server_side_after_probe(*this, map({{"half_open", scalar("false")}})), "reset");
  EXPECT_EQ(server_side_after_probe(*this, map({{"send", scalar("PING\n")}})), "PING\n");
}

bool raw_sockets_allowed() {
  const int fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

// The default for a bare check where raw sockets are allowed: a SYN, answered by the
// listener's kernel and reset by ours, so the application has no connection to accept.
TEST_F(ProbeTest, HalfOpenTcpProbeLeavesTheApplicationNothingToAccept) {
  if (!raw_sockets_allowed()) GTEST_SKIP() << "half-open probes need CAP_NET_RAW (CI is root)";
  EXPECT_EQ(server_side_after_probe(*this, config::Node{}), "no connection");
  EXPECT_EQ(server_side_after_probe(*this, map({{"half_open", scalar("true")}})), "no connection");
}

TEST_F(ProbeTest, ConnectModeTcpPassesAndFailsConnectRefused) {
  TestServer server({.request_complete = read_nothing, .reply = {}});
  ASSERT_TRUE(server.ok());
  const config::Node connect = map({{"half_open", scalar("false")}});
  EXPECT_TRUE(probe(*make("tcp", server.port(), connect)).ok);
  auto refused = probe(*make("tcp", testing::closed_port(), connect));
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.reason, "connect-refused");
}

TEST_F(ProbeTest, HalfOpenTcpIsRefusedForChecksThatSend) {
  const config::Node params = map({{"half_open", scalar("true")}, {"send", scalar("x")}});
  auto errors = registry_.find("tcp")->validate(params);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("excludes 'send'"), std::string::npos);
}

TEST_F(ProbeTest, TcpOverIpv6PassesWhenTheServerAccepts) {
  TestServer server({.ipv6 = true, .request_complete = read_nothing, .reply = {}});
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback here";
  auto checker = make("tcp", server.port(), config::Node{}, "::1");
  EXPECT_TRUE(probe(*checker).ok);
}

TEST_F(ProbeTest, TcpFailsConnectRefusedWhenNothingListens) {
  auto checker = make("tcp", testing::closed_port(), config::Node{});
  auto result = probe(*checker);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.reason, "connect-refused");
}

TEST_F(ProbeTest, TcpSendsAndMatchesTheExpectedReply) {
  TestServer server({.request_complete = one_line, .reply = [](const std::string& r) {
                       return r == "PING\n" ? "+PONG\r\n" : "-ERR\r\n";
                     }});
  auto checker =
      make("tcp", server.port(), map({{"send", scalar("PING\n")}, {"expect", scalar("+PONG")}}));
  EXPECT_TRUE(probe(*checker).ok);
}

TEST_F(ProbeTest, TcpFailsExpectMismatchOnAnotherReply) {
  TestServer server(
      {.request_complete = one_line, .reply = [](const std::string&) { return "-ERR\r\n"; }});
  auto checker = make("tcp", server.port(),
                      map({{"send", scalar("PING\n")}, {"expect_regex", scalar("^\\+PONG")}}));
  auto result = probe(*checker);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.reason, "expect-mismatch");
  EXPECT_NE(result.detail.find("-ERR"), std::string::npos);
}

TEST_F(ProbeTest, HttpPassesOnAnExpectedStatusAndSendsTheRequest) {
  TestServer server({.reply = [](const std::string&) { return http_reply(204, ""); }});
  auto checker = make("http", server.port(),
                      map({{"path", scalar("/healthz")},
                           {"host", scalar("www.example.com")},
                           {"expect_status", sequence({scalar("200-299")})}}));
  auto result = probe(*checker);
  EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
  EXPECT_EQ(server.last_request().rfind("GET /healthz HTTP/1.1\r\nHost: www.example.com\r\n", 0),
            0u);
}

TEST_F(ProbeTest, HttpFailsWithTheStatusInTheReason) {
  TestServer server({.reply = [](const std::string&) { return http_reply(503, "busy"); }});
  auto checker = make("http", server.port(), config::Node{});
  auto result = probe(*checker);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.reason, "http-status-503");
}

TEST_F(ProbeTest, HttpChecksTheBodyByRegexAndDigest) {
  TestServer server(
      {.reply = [](const std::string&) { return http_reply(200, "status: degraded"); }});
  auto regex = make("http", server.port(), map({{"expect_body_regex", scalar("status: ok")}}));
  EXPECT_EQ(probe(*regex).reason, "body-mismatch");
  auto digest = make("http", server.port(), map({{"expect_digest", scalar(std::string(64, '0'))}}));
  EXPECT_EQ(probe(*digest).reason, "digest-mismatch");
}

TEST_F(ProbeTest, AgentReplyDrivesTheVerdict) {
  TestServer up(
      {.request_complete = read_nothing, .reply = [](const std::string&) { return "up 50%\n"; }});
  auto checker = make("agent", up.port(), config::Node{});
  auto result = probe(*checker);
  EXPECT_TRUE(result.ok);
  ASSERT_TRUE(result.agent);
  EXPECT_EQ(result.agent->weight_percent, 50u);

  TestServer down({.request_complete = one_line, .reply = [](const std::string& r) {
                     return r == "status\n" ? "down #db lost\n" : "up\n";
                   }});
  auto asked = make("agent", down.port(), map({{"send", scalar("status\n")}}));
  result = probe(*asked);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.reason, "agent-down");
  EXPECT_EQ(result.detail, "db lost");
}

TEST_F(ProbeTest, RunnerOnTheRealLoopBringsAServerUp) {
  TestServer server({.request_complete = read_nothing, .reply = {}});
  CheckTiming timing;
  timing.interval = 10ms;
  timing.timeout = 1s;
  timing.rise = 2;
  std::optional<Transition> up;
  int probes = 0;
  CheckRunner runner(*loop_, make("tcp", server.port(), config::Node{}), timing,
                     [&](const CheckEvent& e) {
                       ++probes;
                       if (e.transition) up = e.transition;
                     });
  runner.start();
  auto finished = loop_->run_until([&] { return up.has_value(); }, 5s);
  ASSERT_TRUE(finished && *finished);
  EXPECT_EQ(up->to, Health::kUp);
  EXPECT_EQ(probes, 2);  // rise: 2
}

class HttpsProbeTest : public ProbeTest {
 protected:
  void SetUp() override {
    ProbeTest::SetUp();
    std::string pattern = ::testing::TempDir() + "hd_checkers_tls_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    cert_ = std::make_unique<testing::SelfSignedCert>(dir_ + "/server.pem");
    other_ = std::make_unique<testing::SelfSignedCert>(dir_ + "/other.pem");
    server_ctx_ = cert_->server_context();
    server_ = std::make_unique<TestServer>(ServerOptions{
        .tls = server_ctx_, .reply = [](const std::string&) { return http_reply(200, "ok"); }});
  }
  void TearDown() override {
    server_.reset();
    SSL_CTX_free(server_ctx_);
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::unique_ptr<testing::SelfSignedCert> cert_, other_;
  SSL_CTX* server_ctx_ = nullptr;
  std::unique_ptr<TestServer> server_;
};

TEST_F(HttpsProbeTest, PassesWhenTheCertificateVerifiesAgainstTheRightCa) {
  auto checker = make("https", server_->port(), map({{"ca_file", scalar(dir_ + "/server.pem")}}));
  auto result = probe(*checker);
  EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
}

TEST_F(HttpsProbeTest, VerifiesTheSniNameToo) {
  auto right = make("https", server_->port(),
                    map({{"sni", scalar("localhost")}, {"ca_file", scalar(dir_ + "/server.pem")}}));
  EXPECT_TRUE(probe(*right).ok);
  auto wrong =
      make("https", server_->port(),
           map({{"sni", scalar("www.example.com")}, {"ca_file", scalar(dir_ + "/server.pem")}}));
  EXPECT_EQ(probe(*wrong).reason, "tls-verify-failed");
}

TEST_F(HttpsProbeTest, FailsTlsVerifyFailedWithTheWrongCa) {
  auto checker = make("https", server_->port(), map({{"ca_file", scalar(dir_ + "/other.pem")}}));
  auto result = probe(*checker);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.reason, "tls-verify-failed");
}

TEST_F(HttpsProbeTest, PassesWithoutVerificationWhenVerifyIsOff) {
  auto checker = make("https", server_->port(), map({{"verify", scalar("false")}}));
  EXPECT_TRUE(probe(*checker).ok);
}

TEST_F(HttpsProbeTest, CreateFailsOnAMissingCaFile) {
  CheckContext context{*loop_};
  auto checker =
      registry_.find("https")->create(CheckTarget{"127.0.0.1", 443, std::nullopt},
                                      map({{"ca_file", scalar(dir_ + "/nope.pem")}}), context);
  ASSERT_FALSE(checker);
  EXPECT_NE(checker.error().message().find("nope.pem"), std::string::npos);
}

std::string server_side_after_probe(ProbeTest& test, const config::Node& params) {
  // A bare listening socket, no server thread: the kernel completes the handshake and the
  // connection waits in the accept queue while the probe finishes and closes its end.
  // Non-blocking: a half-open probe leaves nothing to accept.
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listener, 4) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listener);
    return "no listener";
  }
  auto checker = test.make("tcp", ntohs(addr.sin_port), params);
  auto result = test.probe(*checker);
  EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
  checker.reset();
  const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ::close(listener);

  if (fd < 0) return "no connection";
  std::string out;
  char buf[256];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == ECONNRESET) out = "reset";
    if (n == 0 && out.empty()) out = "eof";
    break;
  }
  ::close(fd);
  return out;
}

}  // namespace
}  // namespace hadirector::checkers
