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
  // `context` is opaque to everyone but the registrar, which may use it to find the
  // registration again (EventLoop::set_fd_events). It is cleared on cancel.
  Handle(std::function<void()> cancel, void* context)
      : cancel_(std::move(cancel)), context_(context) {}
  Handle(Handle&& other) noexcept
      : cancel_(std::exchange(other.cancel_, nullptr)),
        context_(std::exchange(other.context_, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      cancel();
      cancel_ = std::exchange(other.cancel_, nullptr);
      context_ = std::exchange(other.context_, nullptr);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { cancel(); }

  // Idempotent; safe to call from inside the registration's own callback.
  void cancel() {
    context_ = nullptr;
    if (auto c = std::exchange(cancel_, nullptr)) c();
  }
  explicit operator bool() const { return static_cast<bool>(cancel_); }
  void* context() const { return context_; }

 private:
  std::function<void()> cancel_;
  void* context_ = nullptr;
};

}  // namespace hadirector::core
