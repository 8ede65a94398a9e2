// VrrpInstance's advert timer on the manual clock: adverts leave on a grid shared by every
// instance (1/100 of the interval, at most 10 ms) so that many instances share wake-ups, and the
// interval between them stays exact.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/vrrp/instance_lab.h"

namespace hadirector::testing {
namespace {

using std::chrono::milliseconds;
using vrrp::State;

class InstanceTimer : public InstanceLab {
 protected:
  // Steps the clock `step` at a time for `span`, noting when `r` sent adverts (to the step).
  std::vector<core::TimePoint> sends_during(Router& r, core::Duration span,
                                            core::Duration step = milliseconds(1)) {
    std::vector<core::TimePoint> at;
    // Onto a whole step first, so that the times noted are the sends' own on the grid.
    const core::Duration since = clock_.now().time_since_epoch();
    clock_.advance_to(core::TimePoint((since + step - core::Duration(1)) / step * step));
    size_t seen = r.socket ? r.socket->sent().size() : 0;
    for (core::Duration done{}; done < span; done += step) {
      clock_.advance(step);
      for (; r.socket && seen < r.socket->sent().size(); ++seen) at.push_back(clock_.now());
    }
    return at;
  }
};

// Started 1.8 ms apart, their deadlines round to the same grid point: one wake-up sends both.
TEST_F(InstanceTimer, AdvertsOfInstancesStartedApartLeaveTogetherOnTheGrid) {
  auto one_second = [](const std::string& name, int vrid, const std::string& vip) {
    config::VrrpInstance c = instance_config(name, 200, vip);
    c.vrid = vrid;
    c.advert_interval = milliseconds(1000);
    return c;
  };
  Router& a = add("192.0.2.1/24", one_second("a", 1, "192.0.2.101/24"));
  Router& b = add("192.0.2.2/24", one_second("b", 2, "192.0.2.102/24"));
  clock_.advance(std::chrono::microseconds(3300));
  a.instance->start();
  clock_.advance(std::chrono::microseconds(1800));
  b.instance->start();
  const auto sa = sends_during(a, std::chrono::seconds(10));
  const auto sb = sends_during(b, std::chrono::seconds(10));
  ASSERT_EQ(a.state(), State::kMaster);
  ASSERT_EQ(b.state(), State::kMaster);
  // The first advert goes at the transition; every later one on the 10 ms grid, 1 s apart.
  ASSERT_GE(sa.size(), 5u);
  for (size_t i = 1; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].time_since_epoch() % milliseconds(10), core::Duration::zero()) << i;
    if (i > 1) {
      EXPECT_EQ(sa[i] - sa[i - 1], milliseconds(1000)) << i;
    }
  }
  // b's adverts (sampled over the next 10 s) share a's instants.
  ASSERT_GE(sb.size(), 5u);
  for (size_t i = 1; i < sb.size(); ++i)
    EXPECT_EQ((sb[i] - sa[1]) % milliseconds(1000), core::Duration::zero()) << i;
}

TEST_F(InstanceTimer, AnAdvertMovesAtMostHalfAGridStepFromItsInterval) {
  Router& a = add("192.0.2.1/24", instance_config("web", 200));  // 100 ms: 1 ms grid
  clock_.advance(std::chrono::microseconds(1700));
  a.instance->start();
  const auto s = sends_during(a, std::chrono::seconds(2), std::chrono::microseconds(25));
  ASSERT_GE(s.size(), 3u);
  const auto first_gap = s[1] - s[0];
  EXPECT_LE(std::chrono::abs(first_gap - milliseconds(100)), std::chrono::microseconds(500));
  for (size_t i = 2; i < s.size(); ++i) EXPECT_EQ(s[i] - s[i - 1], milliseconds(100)) << i;
}

}  // namespace
}  // namespace hadirector::testing
