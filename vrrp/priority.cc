#include "vrrp/priority.h"

#include <algorithm>

#include "daemon/core/result.h"

namespace hadirector::vrrp {

int effective_priority(int base, std::span<const int> weights) {
  if (base >= 255) return 255;
  long sum = base;
  for (int w : weights) sum += w;
  return static_cast<int>(std::clamp(sum, 1L, 254L));
}

size_t Tracker::add(int weight, bool up) {
  objects_.push_back({weight, up});
  return objects_.size() - 1;
}

bool Tracker::set_up(size_t id, bool up) {
  HD_CHECK(id < objects_.size());
  const int old_priority = priority();
  const bool old_fault = fault();
  objects_[id].up = up;
  return priority() != old_priority || fault() != old_fault;
}

int Tracker::priority() const {
  std::vector<int> in_effect;
  for (const Object& o : objects_)
    if ((o.weight > 0 && o.up) || (o.weight < 0 && !o.up)) in_effect.push_back(o.weight);
  return effective_priority(base_, in_effect);
}

bool Tracker::fault() const {
  return std::ranges::any_of(objects_, [](const Object& o) { return o.weight == 0 && !o.up; });
}

}  // namespace hadirector::vrrp
