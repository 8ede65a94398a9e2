// The current value of named tracked objects (script up/down, virtual-server quorum, tracked
// file integers) with change subscriptions, so instances that track the same object share one
// monitor and a reload keeps the value of an unchanged one. Values only: who computes them
// (script runs, inotify, the checker worker's relay) is elsewhere.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "vrrp/io/subscribers.h"

namespace hadirector::vrrp {

template <typename T>
class NamedStates {
 public:
  // Records `value` and notifies subscribers when it differs from the previous one.
  void set(const std::string& name, T value) {
    auto [it, inserted] = values_.try_emplace(name, value);
    if (!inserted) {
      if (it->second == value) return;
      it->second = value;
    }
    subscribers_.notify(name);
  }
  void erase(const std::string& name) {
    if (values_.erase(name)) subscribers_.notify(name);
  }
  std::optional<T> get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  // fn(name) after every change.
  [[nodiscard]] core::Handle subscribe(std::function<void(const std::string&)> fn) {
    return subscribers_.add(std::move(fn));
  }

 private:
  std::map<std::string, T> values_;
  Subscribers<const std::string&> subscribers_;
};

}  // namespace hadirector::vrrp
