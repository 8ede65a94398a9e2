#include "checkers/check_pool.h"

namespace hadirector::checkers {

CheckPool::~CheckPool() { *alive_ = false; }

CheckPool::Subscription CheckPool::subscribe(std::unique_ptr<Checker> checker,
                                             const CheckTiming& timing,
                                             CheckRunner::Listener listener) {
  std::string key = checker->key() + " | " + timing.signature();
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    it = entries_.emplace(key, Entry{}).first;
    // The entry owns the runner, so while the runner calls back its entry exists; map nodes
    // do not move.
    it->second.runner = std::make_unique<CheckRunner>(
        clock_, std::move(checker), timing,
        [this, entry = &it->second](const CheckEvent& event) { fan_out(*entry, event); });
    it->second.runner->start();
  }
  const uint64_t id = next_id_++;
  it->second.listeners.emplace(id, std::make_shared<CheckRunner::Listener>(std::move(listener)));
  std::weak_ptr<bool> alive = alive_;
  core::Handle handle([this, alive, key, id] {
    if (!alive.expired()) unsubscribe(key, id);
  });
  return Subscription{std::move(handle), key, it->second.runner->state()};
}

size_t CheckPool::subscribers(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.listeners.size();
}

std::optional<Health> CheckPool::state(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.runner->state();
}

void CheckPool::fan_out(Entry& entry, const CheckEvent& event) {
  // The common case, one subscriber: a strong copy keeps it alive while it runs.
  if (entry.listeners.size() == 1) {
    std::shared_ptr<CheckRunner::Listener> only = entry.listeners.begin()->second;
    return (*only)(event);
  }
  // Listeners may unsubscribe (even the last one, destroying the runner) while we call them:
  // call weak copies and skip those that left.
  std::vector<std::weak_ptr<CheckRunner::Listener>> listeners;
  for (const auto& [id, listener] : entry.listeners) listeners.push_back(listener);
  std::weak_ptr<bool> alive = alive_;
  for (const auto& weak : listeners) {
    if (alive.expired()) return;
    if (auto listener = weak.lock()) (*listener)(event);
  }
}

void CheckPool::unsubscribe(const std::string& key, uint64_t id) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  it->second.listeners.erase(id);
  if (it->second.listeners.empty()) entries_.erase(it);
}

}  // namespace hadirector::checkers
