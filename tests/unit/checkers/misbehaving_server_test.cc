// Component tests against servers that misbehave: accept and never answer, answer after the
// check's timeout or just inside it, present an expired certificate or one for another name.
// Each probe runs through the real CheckRunner on the real EventLoop, so "timeout" is the
// runner's verdict, as in the daemon. The slow server's delay is the only sleep, in its thread.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "checkers/check_runner.h"
#include "checkers/registry.h"
#include "tests/unit/checkers/node_builder.h"
#include "tests/unit/checkers/test_server.h"
#include "tests/unit/checkers/type_test_support.h"

namespace hadirector::checkers {
namespace {

using testing::CertOptions;
using testing::map;
using testing::scalar;
using testing::SelfSignedCert;
using testing::ServerOptions;
using testing::TestServer;

bool never_complete(const std::string&) { return false; }
bool read_nothing(const std::string&) { return true; }

std::string ok_reply(const std::string&) {
  return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
}

class MisbehavingServer : public testing::TypeTest {
 protected:
  void SetUp() override {
    TypeTest::SetUp();
    register_builtin_checkers(registry_);
  }

  // The first result of a runner (rise 1, fall 1) probing `type` at 127.0.0.1:port.
  ProbeResult first_result(const std::string& type, uint16_t port, const config::Node& params,
                           core::Duration timeout) {
    CheckTiming timing;
    timing.interval = 10ms;  // first probe after at most 10 ms of jitter
    timing.timeout = timeout;
    timing.rise = 1;
    timing.fall = 1;
    std::optional<ProbeResult> result;
    auto runner = std::make_unique<CheckRunner>(
        *loop_, make(*registry_.find(type), params, "127.0.0.1", port), timing,
        [&](const CheckEvent& e) {
          if (!result) result = e.result;
        });
    runner->start();
    auto finished = loop_->run_until([&] { return result.has_value(); }, timeout + 5s);
    EXPECT_TRUE(finished && *finished) << type << ": no result within the deadline";
    return result.value_or(ProbeResult::failure("test-deadline"));
  }

  CheckerRegistry registry_;
};

TEST_F(MisbehavingServer, SilentServerTimesOutEveryStreamType) {
  // Accepts, reads whatever comes, never writes: not even a greeting (smtp) or a reply.
  TestServer silent({.request_complete = never_complete, .reply = {}});
  ASSERT_TRUE(silent.ok());
  const struct {
    const char* type;
    config::Node params;
  } cases[] = {
      {"tcp", map({{"send", scalar("PING\n")}, {"expect", scalar("PONG")}})},
      {"tcp", map({{"expect", scalar("220")}})},  // banner expected, none comes
      {"http", config::Node{}},
      {"smtp", config::Node{}},
      {"agent", config::Node{}},
  };
  for (const auto& c : cases) {
    const int before = silent.connections();
    auto result = first_result(c.type, silent.port(), c.params, 300ms);
    EXPECT_FALSE(result.ok) << c.type;
    EXPECT_EQ(result.reason, "timeout") << c.type << ": " << result.detail;
    EXPECT_GE(result.latency, 300ms) << c.type;
    // The connection was made: a timeout, not a refused or failed connect.
    auto accepted = loop_->run_until([&] { return silent.connections() > before; }, 5s);
    EXPECT_TRUE(accepted && *accepted) << c.type;
  }
}

TEST_F(MisbehavingServer, SlowServerPastTheTimeoutFailsAndJustInsideItPasses) {
  auto slow_by = [](std::chrono::milliseconds delay) {
    return [delay](const std::string& request) {
      std::this_thread::sleep_for(delay);
      return ok_reply(request);
    };
  };
  {
    TestServer late({.reply = slow_by(900ms)});
    auto result = first_result("http", late.port(), config::Node{}, 300ms);
    EXPECT_EQ(result.reason, "timeout") << result.detail;
  }
  {
    TestServer in_time({.reply = slow_by(200ms)});
    auto result = first_result("http", in_time.port(), config::Node{}, 2s);
    EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
    EXPECT_GE(result.latency, 200ms);
  }
  {
    TestServer late_banner({.request_complete = read_nothing, .reply = [](const std::string&) {
                              std::this_thread::sleep_for(900ms);
                              return std::string("220 ready\r\n");
                            }});
    auto result = first_result("tcp", late_banner.port(), map({{"expect", scalar("220")}}), 300ms);
    EXPECT_EQ(result.reason, "timeout") << result.detail;
  }
}

class BadCertificate : public MisbehavingServer {
 protected:
  void SetUp() override {
    MisbehavingServer::SetUp();
    std::string pattern = ::testing::TempDir() + "hd_checkers_badcert_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // An https probe with verification against the server's own certificate as CA.
  ProbeResult probe_server_with(const CertOptions& options, const std::string& sni = "") {
    const std::string pem = dir_ + "/server.pem";
    SelfSignedCert cert(pem, options);
    SSL_CTX* ctx = cert.server_context();
    ProbeResult result;
    {
      TestServer server({.tls = ctx, .reply = ok_reply});
      const config::Node params = sni.empty()
                                      ? map({{"ca_file", scalar(pem)}})
                                      : map({{"ca_file", scalar(pem)}, {"sni", scalar(sni)}});
      result = first_result("https", server.port(), params, 2s);
    }
    SSL_CTX_free(ctx);
    return result;
  }

  std::string dir_;
};

TEST_F(BadCertificate, ExpiredCertificateFailsVerification) {
  // Valid from 30 days ago until yesterday.
  auto result = probe_server_with({.not_before_s = -30 * 86400, .not_after_s = -86400});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.reason, "tls-verify-failed");
  EXPECT_NE(result.detail.find("expired"), std::string::npos) << result.detail;
}

TEST_F(BadCertificate, NotYetValidCertificateFailsVerification) {
  auto result = probe_server_with({.not_before_s = 86400, .not_after_s = 30 * 86400});
  EXPECT_EQ(result.reason, "tls-verify-failed");
  EXPECT_NE(result.detail.find("not yet valid"), std::string::npos) << result.detail;
}

TEST_F(BadCertificate, CertificateForAnotherAddressFailsVerification) {
  // Connecting to 127.0.0.1 without sni: the certificate must name that IP address.
  auto result = probe_server_with({.subject_alt_name = "DNS:www.example.com"});
  EXPECT_EQ(result.reason, "tls-verify-failed");
  EXPECT_NE(result.detail.find("mismatch"), std::string::npos) << result.detail;
}

TEST_F(BadCertificate, CertificateForAnotherNameFailsVerificationWithSni) {
  auto result = probe_server_with({.subject_alt_name = "DNS:www.example.com"}, "api.example.com");
  EXPECT_EQ(result.reason, "tls-verify-failed");
  EXPECT_NE(result.detail.find("mismatch"), std::string::npos) << result.detail;
}

TEST_F(BadCertificate, ExpiredCertificatePassesWithVerificationOff) {
  const std::string pem = dir_ + "/expired.pem";
  SelfSignedCert cert(pem, {.not_before_s = -30 * 86400, .not_after_s = -86400});
  SSL_CTX* ctx = cert.server_context();
  {
    TestServer server({.tls = ctx, .reply = ok_reply});
    auto result = first_result("https", server.port(), map({{"verify", scalar("false")}}), 2s);
    EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
  }
  SSL_CTX_free(ctx);
}

}  // namespace
}  // namespace hadirector::checkers
