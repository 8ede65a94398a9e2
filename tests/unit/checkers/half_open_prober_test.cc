// HalfOpenProber on loopback with real raw sockets (CAP_NET_RAW; CI runs as root): a listener
// answers, a closed port resets, a cancelled probe is never reported, and a forged answer
// that does not acknowledge our SYN is counted and ignored.
#include "checkers/tcp/half_open_prober.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/unit/checkers/test_server.h"

namespace hadirector::checkers::tcp {
namespace {

using namespace std::chrono_literals;
using Answer = HalfOpenProber::Answer;

struct Recorder final : HalfOpenProber::Client {
  std::vector<Answer> answers;
  void on_answer(Answer answer, int, core::TimePoint) override { answers.push_back(answer); }
};

class HalfOpenProberTest : public ::testing::Test {
 public:
  void SetUp() override {
    auto loop = core::EventLoop::create();
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
    auto prober = HalfOpenProber::for_loop(*loop_);
    if (!prober) GTEST_SKIP() << "no raw socket (needs CAP_NET_RAW): " << prober.error().message();
    prober_ = *prober;
  }

  // A listening socket on 127.0.0.1 (never accepting) and its port.
  uint16_t listen_v4() {
    listener_ = core::UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), len), 0);
    EXPECT_EQ(::listen(listener_.get(), 8), 0);
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
  }

  Answer probe_once(const std::string& address, uint16_t port) {
    Recorder recorder;
    auto peer = dgram::socket_address(address, port);
    EXPECT_TRUE(peer);
    auto ticket = prober_->probe(*peer, recorder);
    EXPECT_TRUE(ticket) << (ticket ? "" : ticket.error().message());
    EXPECT_TRUE(recorder.answers.empty()) << "answered inside probe()";
    auto done = loop_->run_until([&] { return !recorder.answers.empty(); }, 5s);
    EXPECT_TRUE(done && *done) << "no answer within 5 s";
    return recorder.answers.empty() ? Answer::kSendFailed : recorder.answers.front();
  }

  std::unique_ptr<core::EventLoop> loop_;
  std::shared_ptr<HalfOpenProber> prober_;
  core::UniqueFd listener_;
};

TEST_F(HalfOpenProberTest, ListenerAnswersAndTheApplicationHasNothingToAccept) {
  const uint16_t port = listen_v4();
  EXPECT_EQ(probe_once("127.0.0.1", port), Answer::kListening);
  EXPECT_EQ(prober_->counters().sent, 1u);
  EXPECT_EQ(prober_->counters().answers, 1u);
  EXPECT_EQ(prober_->in_flight(), 0u);
  // Our kernel reset the half-open connection: nothing reached the accept queue.
  ASSERT_EQ(::fcntl(listener_.get(), F_SETFL, O_NONBLOCK), 0);
  EXPECT_LT(::accept(listener_.get(), nullptr, nullptr), 0);
  EXPECT_EQ(errno, EAGAIN);
}

TEST_F(HalfOpenProberTest, ClosedPortResets) {
  EXPECT_EQ(probe_once("127.0.0.1", testing::closed_port()), Answer::kRefused);
}

TEST_F(HalfOpenProberTest, Ipv6LoopbackWorksToo) {
  core::UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  socklen_t len = sizeof a;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), len) != 0) GTEST_SKIP() << "no ::1";
  ASSERT_EQ(::listen(fd.get(), 8), 0);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  EXPECT_EQ(probe_once("::1", ntohs(a.sin6_port)), Answer::kListening);
  EXPECT_NE(prober_->source_port(true), 0);
}

TEST_F(HalfOpenProberTest, CancelledProbeIsNeverReported) {
  const uint16_t port = listen_v4();
  Recorder recorder;
  auto ticket = prober_->probe(*dgram::socket_address("127.0.0.1", port), recorder);
  ASSERT_TRUE(ticket);
  prober_->cancel(*ticket);
  (void)loop_->run_until([] { return false; }, 200ms);
  EXPECT_TRUE(recorder.answers.empty());
  EXPECT_EQ(prober_->counters().sent, 0u);  // cancelled before the batch went out
  EXPECT_EQ(prober_->in_flight(), 0u);
}

TEST_F(HalfOpenProberTest, ForgedAnswerWithTheWrongAckIsCountedNotReported) {
  const uint16_t port = listen_v4();
  Recorder recorder;
  // A probe to a port where nothing will answer in time (the listener's port, but the forged
  // reset below arrives first only if it matched; it must not).
  auto peer = dgram::socket_address("127.0.0.1", port);
  ASSERT_TRUE(prober_->probe(*peer, recorder));
  const uint16_t ours = prober_->source_port(false);
  // A RST+ACK "from" the real server to our port acknowledging a sequence we never sent.
  std::string rst(20, '\0');
  rst[0] = static_cast<char>(port >> 8), rst[1] = static_cast<char>(port & 0xFF);
  rst[2] = static_cast<char>(ours >> 8), rst[3] = static_cast<char>(ours & 0xFF);
  rst[12] = 0x50;
  rst[13] = 0x14;
  core::UniqueFd raw(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP));
  ASSERT_TRUE(raw);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::sendto(raw.get(), rst.data(), rst.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof to),
            20);
  auto done = loop_->run_until([&] { return !recorder.answers.empty(); }, 5s);
  ASSERT_TRUE(done && *done);
  // The real answer (a SYN-ACK) wins; the forged reset was only counted.
  EXPECT_EQ(recorder.answers.front(), Answer::kListening);
  (void)loop_->run_until([&] { return prober_->counters().unmatched > 0; }, 1s);
  EXPECT_GE(prober_->counters().unmatched, 1u);
}

// More probes than one sendmmsg batch, queued in one go (a slot full of checks): the full
// batches go out from inside probe(), the rest from the deferred flush; all are answered.
TEST_F(HalfOpenProberTest, ManyProbesAtOnceAreAllAnswered) {
  constexpr int kProbes = 150;
  std::vector<core::UniqueFd> listeners;
  std::vector<Recorder> recorders(kProbes);
  for (int i = 0; i < kProbes; ++i) {
    const uint16_t port = listen_v4();
    listeners.push_back(std::move(listener_));
    ASSERT_TRUE(prober_->probe(*dgram::socket_address("127.0.0.1", port), recorders[i]));
  }
  EXPECT_GE(prober_->counters().sent, 128u);  // two full batches before the loop ran
  auto answered = [&] {
    for (const auto& r : recorders)
      if (r.answers.empty()) return false;
    return true;
  };
  auto done = loop_->run_until(answered, 5s);
  ASSERT_TRUE(done && *done);
  for (const auto& r : recorders) EXPECT_EQ(r.answers.front(), Answer::kListening);
  EXPECT_EQ(prober_->counters().answers, static_cast<uint64_t>(kProbes));
}

TEST_F(HalfOpenProberTest, OneProberPerLoop) {
  auto again = HalfOpenProber::for_loop(*loop_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), prober_.get());
}

}  // namespace
}  // namespace hadirector::checkers::tcp
