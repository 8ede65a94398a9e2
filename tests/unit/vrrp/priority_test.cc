// Effective priority and fault from tracked objects.
#include "vrrp/priority.h"

#include <gtest/gtest.h>

#include <vector>

namespace hadirector::vrrp {
namespace {

TEST(EffectivePriority, AddsWeightsToBase) {
  const std::vector<int> weights = {-30, 10};
  EXPECT_EQ(effective_priority(150, weights), 130);
}

TEST(EffectivePriority, ClampsToBackupRange) {
  const std::vector<int> down = {-200};
  const std::vector<int> up = {200};
  EXPECT_EQ(effective_priority(150, down), 1);
  EXPECT_EQ(effective_priority(150, up), 254);  // never becomes the owner
}

TEST(EffectivePriority, OwnerNeverChanges) {
  const std::vector<int> weights = {-100};
  EXPECT_EQ(effective_priority(255, weights), 255);
}

TEST(Tracker, NegativeWeightAppliesWhileDown) {
  Tracker t(150);
  const size_t script = t.add(-30, true);
  EXPECT_EQ(t.priority(), 150);
  EXPECT_TRUE(t.set_up(script, false));
  EXPECT_EQ(t.priority(), 120);
  EXPECT_FALSE(t.fault());
}

TEST(Tracker, PositiveWeightAppliesWhileUp) {
  Tracker t(100);
  const size_t script = t.add(20, true);
  EXPECT_EQ(t.priority(), 120);
  EXPECT_TRUE(t.set_up(script, false));
  EXPECT_EQ(t.priority(), 100);
}

TEST(Tracker, WeightZeroDownIsAFault) {
  Tracker t(100);
  const size_t link = t.add(0, true);
  EXPECT_FALSE(t.fault());
  EXPECT_TRUE(t.set_up(link, false));
  EXPECT_TRUE(t.fault());
  EXPECT_EQ(t.priority(), 100);
  EXPECT_TRUE(t.set_up(link, true));
  EXPECT_FALSE(t.fault());
}

TEST(Tracker, ReportsNoChangeWhenNothingMoved) {
  Tracker t(100);
  const size_t a = t.add(-10, true);
  EXPECT_FALSE(t.set_up(a, true));
  Tracker owner(255);
  const size_t b = owner.add(-10, true);
  EXPECT_FALSE(owner.set_up(b, false));  // the owner's 255 does not move
}

}  // namespace
}  // namespace hadirector::vrrp
