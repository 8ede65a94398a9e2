// The open-file limit. A worker that keeps thousands of sockets open raises its soft limit to
// the hard one; the programs it runs (scripts, exec checks) get back the soft limit the daemon
// started with, as they would under systemd (1024 there, for programs that still use select).
#pragma once

namespace hadirector::core {

// Raises the soft RLIMIT_NOFILE to the hard limit (at most 2^20), remembering the soft limit
// from before the first raise. Best effort: a failure shows later as EMFILE naming the socket.
void raise_descriptor_limit();

// In a forked child before execve: lowers the soft limit back to the one remembered by
// raise_descriptor_limit (nothing if it never ran). Async-signal-safe.
void restore_descriptor_limit_for_child();

}  // namespace hadirector::core
