#include "vrrp/tracking.h"

#include <algorithm>

namespace hadirector::vrrp {

int tracked_weight(int weight, bool up) {
  if (weight > 0) return up ? weight : 0;
  return up ? 0 : weight;
}

InstanceTracking::InstanceTracking(const config::Track& track,
                                   const std::vector<config::VrrpScript>& scripts,
                                   LinkMonitor& links, TrackedStates& states, ChangeFn on_change)
    : links_(links), states_(states), on_change_(std::move(on_change)) {
  using Kind = Item::Kind;
  for (const auto& i : track.interfaces) items_.push_back({Kind::kInterface, i.name, i.weight});
  for (const auto& s : track.scripts) {
    auto it = std::ranges::find(scripts, s.name, &config::VrrpScript::name);
    const int own = it != scripts.end() ? it->weight : 0;
    items_.push_back({Kind::kScript, s.name, s.weight.value_or(own)});
  }
  for (const auto& v : track.virtual_servers)
    items_.push_back({Kind::kVirtualServer, v.name, v.weight});
  for (const auto& f : track.files) items_.push_back({Kind::kFile, f.path, f.weight});
  result_ = compute();
  if (!track.interfaces.empty())
    link_sub_ = links_.on_link_change([this](const LinkState&) { evaluate(); });
  if (!track.scripts.empty())
    script_sub_ = states_.scripts.subscribe([this](const std::string&) { evaluate(); });
  if (!track.virtual_servers.empty())
    vs_sub_ = states_.virtual_servers.subscribe([this](const std::string&) { evaluate(); });
  if (!track.files.empty())
    file_sub_ = states_.files.subscribe([this](const std::string&) { evaluate(); });
}

void InstanceTracking::evaluate() {
  TrackingResult now = compute();
  if (now == result_) return;
  result_ = now;
  if (on_change_) on_change_(result_);
}

TrackingResult InstanceTracking::compute() const {
  TrackingResult r;
  auto up_down = [&r](int weight, bool up) {
    if (weight == 0 && !up) r.fault = true;
    r.weight += tracked_weight(weight, up);
  };
  for (const Item& item : items_) {
    switch (item.kind) {
      case Item::Kind::kInterface: {
        auto link = links_.link(item.name);
        up_down(item.weight, link && link->present && link->up && link->running);
        break;
      }
      case Item::Kind::kScript:
        // Not run yet: neither penalised nor credited, so a start is not a flap.
        up_down(item.weight, states_.scripts.get(item.name).value_or(item.weight <= 0));
        break;
      case Item::Kind::kVirtualServer: {
        const bool ok = states_.virtual_servers.get(item.name).value_or(true);
        if (!ok && item.weight == 0) r.fault = true;
        if (!ok) r.weight += item.weight;
        break;
      }
      case Item::Kind::kFile: {
        const long value = states_.files.get(item.name).value_or(0);
        if (item.weight == 0) {
          if (value != 0) r.fault = true;
        } else {
          r.weight += static_cast<int>(std::clamp(value * item.weight, -1000L, 1000L));
        }
        break;
      }
    }
  }
  return r;
}

}  // namespace hadirector::vrrp
