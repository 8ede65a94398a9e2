// GratuitousBurst on a manual clock: count rounds `interval` apart, the first at once, repeat,
// stop, and failures that do not end the burst.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>

#include "daemon/core/manual_scheduler.h"
#include "tests/fakes/fake_vrrp_io.h"
#include "vrrp/io/garp.h"

namespace hadirector::vrrp {
namespace {

using std::chrono::milliseconds;

class GarpBurstTest : public ::testing::Test {
 protected:
  Announcement announcement(const char* vip) {
    Announcement a;
    a.ifindex = 2;
    a.ifname = "eth0";
    a.vip = *config::IpAddress::from_string(vip);
    return a;
  }
  config::Garp garp(int count, int interval_ms, int repeat_ms = 0) {
    config::Garp g;
    g.count = count;
    g.interval = milliseconds(interval_ms);
    g.repeat = milliseconds(repeat_ms);
    return g;
  }

  core::ManualScheduler clock_;
  testing::FakeGratuitousSender sender_;
  GratuitousBurst burst_{clock_, sender_};
};

TEST_F(GarpBurstTest, FirstRoundGoesOutAtOnceForEveryVip) {
  burst_.start({announcement("192.0.2.100"), announcement("2001:db8::100")}, garp(3, 10));
  ASSERT_EQ(sender_.announced().size(), 2u);
  EXPECT_EQ(sender_.announced()[1].vip.to_string(), "2001:db8::100");
}

TEST_F(GarpBurstTest, SendsCountRoundsIntervalApartThenStops) {
  burst_.start({announcement("192.0.2.100")}, garp(3, 10));
  clock_.advance(milliseconds(9));
  EXPECT_EQ(sender_.announced().size(), 1u);
  clock_.advance(milliseconds(1));
  EXPECT_EQ(sender_.announced().size(), 2u);
  clock_.advance(milliseconds(10));
  EXPECT_EQ(sender_.announced().size(), 3u);
  clock_.advance(std::chrono::seconds(10));
  EXPECT_EQ(sender_.announced().size(), 3u);
  EXPECT_FALSE(burst_.running());
}

TEST_F(GarpBurstTest, RepeatStartsTheBurstOverAfterRepeatInterval) {
  burst_.start({announcement("192.0.2.100")}, garp(2, 10, 1000));
  clock_.advance(milliseconds(10));
  EXPECT_EQ(sender_.announced().size(), 2u);
  clock_.advance(milliseconds(1000));
  EXPECT_EQ(sender_.announced().size(), 3u);
  clock_.advance(milliseconds(10));
  EXPECT_EQ(sender_.announced().size(), 4u);
  EXPECT_TRUE(burst_.running());
}

TEST_F(GarpBurstTest, StopCancelsTheRemainingRounds) {
  burst_.start({announcement("192.0.2.100")}, garp(5, 10));
  burst_.stop();
  clock_.advance(milliseconds(100));
  EXPECT_EQ(sender_.announced().size(), 1u);
}

TEST_F(GarpBurstTest, FailedSendIsCountedAndTheBurstGoesOn) {
  sender_.fail_next(ENETDOWN);
  burst_.start({announcement("192.0.2.100")}, garp(2, 10));
  EXPECT_EQ(burst_.failed(), 1u);
  clock_.advance(milliseconds(10));
  EXPECT_EQ(burst_.sent(), 1u);
}

TEST_F(GarpBurstTest, ZeroCountSendsNothing) {
  burst_.start({announcement("192.0.2.100")}, garp(0, 10));
  EXPECT_TRUE(sender_.announced().empty());
  EXPECT_FALSE(burst_.running());
}

}  // namespace
}  // namespace hadirector::vrrp
