// The byte pipe under a network probe: plain TCP or TLS over a connected, non-blocking socket.
// Operations never block; they say which readiness (read or write) they are waiting for, and
// the Exchange re-arms its fd watch accordingly. Not a general-purpose socket library.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace hadirector::checkers::net {

enum class IoStatus { kDone, kWantRead, kWantWrite, kEof, kError };

struct IoResult {
  IoStatus status = IoStatus::kDone;
  size_t bytes = 0;    // bytes written or read when kDone
  std::string reason;  // probe reason code when kError
  std::string detail;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Completes any protocol handshake (TLS); plain TCP is done at once.
  virtual IoResult handshake() = 0;
  virtual IoResult write(std::string_view bytes) = 0;
  virtual IoResult read(char* buffer, size_t size) = 0;
};

// send()/recv() on the socket; MSG_NOSIGNAL so a reset peer is an error, not a SIGPIPE.
std::unique_ptr<Transport> make_plain_transport(int fd);

// An IoResult for a failed socket call, reason code derived from errno.
IoResult io_error(const std::string& what, int err);

}  // namespace hadirector::checkers::net
