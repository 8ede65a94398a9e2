// Result<T> and Error: how hadirector reports failures that come from outside the program
// (syscalls, netlink, packets, configuration). Our code never throws; broken invariants abort
// through HD_CHECK instead. Not a logging facility: callers decide whether and where to log.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <expected>
#include <string>
#include <utility>

namespace hadirector::core {

enum class Errc {
  kOk = 0,
  kSystem,        // a syscall failed; sys_errno holds errno
  kInvalid,       // bad input (config, packet, request)
  kNotFound,
  kExists,
  kTimeout,
  kUnsupported,
  kProtocol,      // a peer or the kernel said something we did not expect
  kClosed,
};

class Error {
 public:
  Error() = default;
  Error(Errc code, std::string context, int sys_errno = 0)
      : code_(code), context_(std::move(context)), sys_errno_(sys_errno) {}

  // "add VIP 192.0.2.10/24 on eth0: EEXIST"-style error from a failed syscall.
  static Error from_errno(int err, std::string what);

  Errc code() const { return code_; }
  int sys_errno() const { return sys_errno_; }
  const std::string& context() const { return context_; }
  // Human-readable message: the context, plus the errno name and text for system errors.
  std::string message() const;

  // Prefix the context with what the caller was doing: "load config: " + inner.
  Error wrap(const std::string& outer) const;

 private:
  Errc code_ = Errc::kOk;
  std::string context_;
  int sys_errno_ = 0;
};

template <typename T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(Errc code, std::string context) {
  return std::unexpected(Error(code, std::move(context)));
}
inline std::unexpected<Error> fail_errno(int err, std::string what) {
  return std::unexpected(Error::from_errno(err, std::move(what)));
}

[[noreturn]] void check_failed(const char* expr, const char* file, int line);

}  // namespace hadirector::core

// Always-on invariant check. Only for conditions that cannot be false unless the program is
// broken; never for anything derived from untrusted input.
#define HD_CHECK(expr)                                                         \
  do {                                                                         \
    if (!(expr)) ::hadirector::core::check_failed(#expr, __FILE__, __LINE__);  \
  } while (0)
