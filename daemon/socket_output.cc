#include "daemon/socket_output.h"

#include <sys/socket.h>

#include <cerrno>

namespace hadirector::daemon {

WriteOutcome write_queued(int fd, std::string& queue) {
  size_t written = 0;
  WriteOutcome outcome = WriteOutcome::kDrained;
  while (written < queue.size()) {
    ssize_t n = ::send(fd, queue.data() + written, queue.size() - written,
                       MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    outcome = (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) ? WriteOutcome::kBlocked
                                                                    : WriteOutcome::kFailed;
    break;
  }
  // One erase per call: a large queue written in many small pieces stays linear.
  queue.erase(0, written);
  return outcome;
}

}  // namespace hadirector::daemon
