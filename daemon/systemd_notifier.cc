#include "daemon/systemd_notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "daemon/core/log.h"

namespace hadirector::daemon {

// sd_notify() sends on a blocking socket: once systemd (or whoever listens) stops reading and
// the socket's queue is full, it blocks the supervisor, and with it signals and worker restarts.
// Sending without blocking and dropping the message instead costs one status line at worst.
void SystemdNotifier::send(const std::string& state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t len = std::strlen(path);
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof addr.sun_path) {
    core::log_debug(std::string("NOTIFY_SOCKET is not a usable socket path: ") + path);
    return;
  }
  std::memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  if (!fd_) {
    fd_ = core::UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd_) {
      core::log_warning("sd_notify: socket: " + std::string(strerrorname_np(errno)));
      return;
    }
  }
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  if (::sendto(fd_.get(), state.data(), state.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&addr), addr_len) < 0) {
    const std::string what = "sd_notify to " + std::string(path) + " failed (" +
                             strerrorname_np(errno) + "); dropped " +
                             state.substr(0, state.find('\n'));
    // Once per run of failures: a listener that stopped reading would otherwise fill the log.
    if (!failing_) core::log_warning(what + "; further failures are logged at debug level");
    else core::log_debug(what);
    failing_ = true;
    return;
  }
  failing_ = false;
}

void SystemdNotifier::ready(const std::string& status) { send("READY=1\nSTATUS=" + status); }

void SystemdNotifier::reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t usec = static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotifier::stopping() { send("STOPPING=1"); }

void SystemdNotifier::status(const std::string& status) { send("STATUS=" + status); }

void SystemdNotifier::watchdog() { send("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_period() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
  return std::nullopt;
}

}  // namespace hadirector::daemon
