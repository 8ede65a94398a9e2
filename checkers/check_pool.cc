#include "checkers/check_pool.h"

namespace hadirector::checkers {

CheckPool::~CheckPool() { *alive_ = false; }

CheckPool::Subscription CheckPool::subscribe(std::unique_ptr<Checker> checker,
                                             const CheckTiming& timing,
                                             CheckRunner::Listener listener) {
  std::string key = checker->key() + " | " + timing.signature();
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    auto runner = std::make_unique<CheckRunner>(
        scheduler_, std::move(checker), timing,
        [this, key](const CheckEvent& event) { fan_out(key, event); });
    it = entries_.emplace(key, Entry{std::move(runner), {}}).first;
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

void CheckPool::fan_out(const std::string& key, const CheckEvent& event) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  // Listeners may unsubscribe (even the last one, destroying the runner) while we call them:
  // call weak copies and skip those that left.
  std::vector<std::weak_ptr<CheckRunner::Listener>> listeners;
  for (const auto& [id, listener] : it->second.listeners) listeners.push_back(listener);
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
