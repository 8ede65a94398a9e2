// SystemdNotifier speaks the sd_notify datagram protocol itself so that a listener that stops
// reading cannot block the supervisor. A real AF_UNIX datagram socket plays systemd.
#include "daemon/systemd_notifier.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "daemon/core/unique_fd.h"

namespace hadirector::daemon {
namespace {

class NotifyListener {
 public:
  explicit NotifyListener(const std::string& name) {
    fd_ = core::UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    // Abstract: nothing to clean up on disk.
    std::memcpy(addr.sun_path + 1, name.data(), name.size());
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr),
                     static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())),
              0);
    ::setenv("NOTIFY_SOCKET", ("@" + name).c_str(), 1);
  }
  ~NotifyListener() { ::unsetenv("NOTIFY_SOCKET"); }
  std::string receive() {
    char buf[512];
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

 private:
  core::UniqueFd fd_;
};

TEST(SystemdNotifier, SendsReadyToTheNotifySocket) {
  NotifyListener systemd("hd-notify-test-" + std::to_string(::getpid()));
  SystemdNotifier notifier;
  notifier.ready("2 workers");
  EXPECT_EQ(systemd.receive(), "READY=1\nSTATUS=2 workers");
  notifier.watchdog();
  EXPECT_EQ(systemd.receive(), "WATCHDOG=1");
}

TEST(SystemdNotifier, NeverBlocksWhenTheListenerStopsReading) {
  NotifyListener systemd("hd-notify-full-" + std::to_string(::getpid()));
  SystemdNotifier notifier;
  // Far more than a datagram socket queues (net.unix.max_dgram_qlen, 10 by default): a
  // blocking sender would hang here until the test times out.
  for (int i = 0; i < 1000; ++i) notifier.status("message " + std::to_string(i));
  EXPECT_EQ(systemd.receive(), "STATUS=message 0");
  // Room again: the next message goes through.
  while (!systemd.receive().empty()) {
  }
  notifier.stopping();
  EXPECT_EQ(systemd.receive(), "STOPPING=1");
}

}  // namespace
}  // namespace hadirector::daemon
