// Writing a queued byte string to a non-blocking socket without ever waiting: what the IPC
// channel and the control socket's clients share. The caller keeps the queue and the watch.
#pragma once

#include <string>

namespace hadirector::daemon {

enum class WriteOutcome {
  kDrained,  // everything queued was written
  kBlocked,  // the socket is full; wait for EPOLLOUT and call again
  kFailed,   // the peer is gone or the socket broke; errno says why
};

// Writes as much of `queue` as the socket takes and erases what was written.
WriteOutcome write_queued(int fd, std::string& queue);

}  // namespace hadirector::daemon
