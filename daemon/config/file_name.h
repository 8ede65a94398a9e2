// The name of the file a configuration mark points into, shared by every mark read from that
// file: a large file's tree holds hundreds of thousands of marks, and a path longer than the
// small-string buffer (any real one: /etc/hadirector/hadirector.yaml) cost each mark, and each
// copy of one, an allocation: about a third of the parse at 40,000 real servers.
// A reference-counted immutable string; it reads as a const std::string&.
#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <utility>

namespace hadirector::config {

class FileName {
 public:
  FileName() = default;
  // Implicit: marks are written {path, line, column}. An empty name holds nothing.
  FileName(std::string name)  // NOLINT(google-explicit-constructor)
      : rep_(name.empty() ? nullptr : new Rep{std::move(name), {1}}) {}
  FileName(const char* name) : FileName(std::string(name)) {}  // NOLINT(google-explicit-constructor)
  FileName(const FileName& other) noexcept : rep_(other.rep_) {
    if (rep_) rep_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  FileName(FileName&& other) noexcept : rep_(std::exchange(other.rep_, nullptr)) {}
  FileName& operator=(FileName other) noexcept {
    std::swap(rep_, other.rep_);
    return *this;
  }
  ~FileName() {
    if (rep_ && rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete rep_;
  }

  const std::string& str() const { return rep_ ? rep_->name : no_name(); }
  operator const std::string&() const { return str(); }  // NOLINT(google-explicit-constructor)
  bool empty() const { return rep_ == nullptr; }

  friend bool operator==(const FileName& a, const FileName& b) {
    return a.rep_ == b.rep_ || a.str() == b.str();
  }
  friend std::ostream& operator<<(std::ostream& out, const FileName& f) { return out << f.str(); }

 private:
  // Plain and intrusive rather than std::shared_ptr: g++ 12 reports a shared_ptr inside a
  // braced ConfigError temporary as maybe-uninitialised, which -Werror turns into a failure.
  struct Rep {
    std::string name;
    std::atomic<long> refs;
  };
  static const std::string& no_name() {
    static const std::string none;
    return none;
  }
  Rep* rep_ = nullptr;
};

}  // namespace hadirector::config
