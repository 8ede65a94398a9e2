// The dns check against a real resolver: dnsmasq (Debian's dnsmasq-base) started by the test
// on a free 127.0.0.1 port with a fixed zone: up.hd.test -> 192.0.2.7 and 2001:db8::7, every
// other name under hd.test NXDOMAIN. Up, NXDOMAIN as an rcode mismatch, a wrong answer, UDP
// and TCP. Skips, saying why, where dnsmasq is not installed (scripts/setup-deps.sh installs it).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>

#include "checkers/dns/dns_checker.h"
#include "tests/unit/checkers/node_builder.h"
#include "tests/unit/checkers/type_test_support.h"

extern char** environ;

namespace hadirector::checkers {
namespace {

using testing::map;
using testing::scalar;
using namespace std::chrono_literals;

constexpr const char* kDnsmasq = "/usr/sbin/dnsmasq";

class Dnsmasq : public testing::TypeTest {
 protected:
  void SetUp() override {
    TypeTest::SetUp();
    if (!std::filesystem::exists(kDnsmasq))
      GTEST_SKIP() << kDnsmasq << " is not installed (apt-get install dnsmasq-base)";
    port_ = testing::closed_udp_port();
    const std::string port = "--port=" + std::to_string(port_);
    std::vector<std::string> args = {kDnsmasq,
                                     "--no-daemon",
                                     "--conf-file=/dev/null",
                                     "--pid-file=",
                                     "--no-resolv",
                                     "--no-hosts",
                                     "--bind-interfaces",
                                     "--listen-address=127.0.0.1",
                                     port,
                                     "--local=/hd.test/",
                                     "--address=/up.hd.test/192.0.2.7",
                                     "--address=/up.hd.test/2001:db8::7",
                                     "--log-facility=/dev/null"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, kDnsmasq, nullptr, nullptr, argv.data(), environ), 0);
    // Ready once it answers; poll with real queries rather than sleeping.
    bool ready = false;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!ready && std::chrono::steady_clock::now() < deadline) {
      auto checker = make(factory_, map({{"name", scalar("up.hd.test")}}), "127.0.0.1", port_);
      std::optional<ProbeResult> result;
      checker->start_probe([&](ProbeResult r) { result = std::move(r); });
      (void)loop_->run_until([&] { return result.has_value(); }, 100ms);
      ready = result && result->ok;
      if (!result) checker->cancel();
      // Not bound yet: the port-unreachable answer is immediate, so pace the next try.
      if (!ready) (void)loop_->run_until([] { return false; }, 20ms);
    }
    ASSERT_TRUE(ready) << "dnsmasq did not answer on 127.0.0.1:" << port_;
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  ProbeResult check(std::initializer_list<std::pair<std::string, config::Node>> params) {
    auto checker = make(factory_, map(params), "127.0.0.1", port_);
    return probe(*checker);
  }

  DnsCheckerFactory factory_{42};
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

TEST_F(Dnsmasq, UpWhenTheNameResolvesToTheExpectedAddress) {
  auto result = check({{"name", scalar("up.hd.test")}, {"expect_answer", scalar("192.0.2.7")}});
  EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
  EXPECT_NE(result.detail.find("A 192.0.2.7"), std::string::npos) << result.detail;
  auto v6 = check({{"name", scalar("up.hd.test")},
                   {"type", scalar("AAAA")},
                   {"expect_answer", scalar("2001:db8::7")}});
  EXPECT_TRUE(v6.ok) << v6.reason << " " << v6.detail;
}

TEST_F(Dnsmasq, UpOverTcpToo) {
  auto result = check({{"name", scalar("up.hd.test")},
                       {"expect_answer", scalar("192.0.2.7")},
                       {"tcp", scalar("true")}});
  EXPECT_TRUE(result.ok) << result.reason << " " << result.detail;
}

TEST_F(Dnsmasq, NxdomainIsAnRcodeMismatchUnlessExpected) {
  auto result = check({{"name", scalar("gone.hd.test")}});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.reason, "dns-rcode-NXDOMAIN");
  auto expected = check({{"name", scalar("gone.hd.test")}, {"expect_rcode", scalar("NXDOMAIN")}});
  EXPECT_TRUE(expected.ok) << expected.reason << " " << expected.detail;
}

TEST_F(Dnsmasq, WrongAnswerIsAnAnswerMismatch) {
  auto result = check({{"name", scalar("up.hd.test")}, {"expect_answer", scalar("192.0.2.99")}});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.reason, "dns-answer-mismatch");
  EXPECT_NE(result.detail.find("192.0.2.7"), std::string::npos) << result.detail;
}

}  // namespace
}  // namespace hadirector::checkers
