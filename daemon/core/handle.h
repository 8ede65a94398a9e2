// A registration (timer, fd watch, signal, child watch) whose destruction cancels it, so no
// callback outlives the object that registered it. Move-only.
#pragma once

#include <functional>
#include <utility>

namespace hadirector::core {

class Handle {
 public:
  Handle() = default;
  explicit Handle(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  Handle(Handle&& other) noexcept : cancel_(std::exchange(other.cancel_, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      cancel();
      cancel_ = std::exchange(other.cancel_, nullptr);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { cancel(); }

  // Idempotent; safe to call from inside the registration's own callback.
  void cancel() {
    if (auto c = std::exchange(cancel_, nullptr)) c();
  }
  explicit operator bool() const { return static_cast<bool>(cancel_); }

 private:
  std::function<void()> cancel_;
};

}  // namespace hadirector::core
