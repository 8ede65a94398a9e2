#include "daemon/core/result.h"

#include <cstring>

namespace hadirector::core {

Error Error::from_errno(int err, std::string what) {
  return Error(Errc::kSystem, std::move(what), err);
}

std::string Error::message() const {
  if (code_ != Errc::kSystem || sys_errno_ == 0) return context_;
  const char* name = strerrorname_np(sys_errno_);
  std::string out = context_;
  out += ": ";
  out += name ? name : "errno " + std::to_string(sys_errno_);
  out += " (";
  out += std::strerror(sys_errno_);
  out += ")";
  return out;
}

Error Error::wrap(const std::string& outer) const {
  return Error(code_, outer + ": " + context_, sys_errno_);
}

void check_failed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "hadirector: invariant violated: %s at %s:%d\n", expr, file, line);
  std::abort();
}

}  // namespace hadirector::core
