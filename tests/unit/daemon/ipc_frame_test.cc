#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/ipc_channel.h"

namespace hadirector::daemon {
namespace {

TEST(IpcFrame, EncodesBigEndianLengthThenJson) {
  std::string f = encode_frame({{"a", 1}});
  ASSERT_EQ(f.size(), 4u + 7u);
  EXPECT_EQ(f.substr(0, 4), std::string("\0\0\0\7", 4));
  EXPECT_EQ(f.substr(4), "{\"a\":1}");
}

TEST(IpcFrame, DecodesSeveralFramesAndKeepsAPartialOne) {
  std::string buf = encode_frame({{"n", 1}}) + encode_frame({{"n", 2}});
  std::string third = encode_frame({{"n", 3}});
  buf += third.substr(0, 6);
  std::vector<int> seen;
  std::string error;
  ASSERT_TRUE(decode_frames(buf, [&](nlohmann::json j) { seen.push_back(j["n"]); }, error));
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
  EXPECT_EQ(buf, third.substr(0, 6));
  buf += third.substr(6);
  ASSERT_TRUE(decode_frames(buf, [&](nlohmann::json j) { seen.push_back(j["n"]); }, error));
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(buf.empty());
}

TEST(IpcFrame, RejectsOversizedFrame) {
  std::string buf("\xff\xff\xff\xff{}", 6);
  std::string error;
  EXPECT_FALSE(decode_frames(buf, [](nlohmann::json) {}, error));
  EXPECT_EQ(error, "frame of 4294967295 bytes exceeds the limit");
}

TEST(IpcFrame, RejectsFrameThatIsNotJson) {
  std::string buf = std::string("\0\0\0\3", 4) + "{{{";
  std::string error;
  EXPECT_FALSE(decode_frames(buf, [](nlohmann::json) {}, error));
  EXPECT_EQ(error, "frame is not valid JSON");
}

// The peer sends its last message and closes at once (a worker exiting to regain capabilities
// after confirming a reload): that message is delivered before the close is reported.
class IpcChannelEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_ = std::move(*core::EventLoop::create());
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
    channel_ = std::make_unique<IpcChannel>(*loop_, core::UniqueFd(sv[0]));
    ASSERT_TRUE(channel_->start([&](nlohmann::json& m) { seen_.push_back(m.value("type", "")); },
                                [&](const std::string&) { seen_.push_back("closed"); }));
    const std::string frame = encode_frame({{"type", "applied"}});
    ASSERT_EQ(::write(sv[1], frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
    ::close(sv[1]);
  }
  std::vector<std::string> run() {
    (void)loop_->run_until([&] { return seen_.size() >= 2; }, std::chrono::seconds(2));
    return seen_;
  }
  std::unique_ptr<core::EventLoop> loop_;
  std::unique_ptr<IpcChannel> channel_;
  std::vector<std::string> seen_;
};

// It arrives in the same read as the end of the stream.
TEST_F(IpcChannelEnd, MessageSentJustBeforeThePeerClosedIsDelivered) {
  EXPECT_EQ(run(), (std::vector<std::string>{"applied", "closed"}));
}

// We write to it first (a ping, a relayed message) and the write fails.
TEST_F(IpcChannelEnd, WriteToAClosedPeerStillDeliversWhatItSent) {
  channel_->send({{"type", "ping"}});
  EXPECT_EQ(run(), (std::vector<std::string>{"applied", "closed"}));
}

}  // namespace
}  // namespace hadirector::daemon
