// hadirectorctl against a scripted stand-in for the daemon's control socket: a connection the
// daemon turned away before reading the request ("too many clients", or closed unread while a
// flood of connections filled it) is tried again; a close after the daemon read a request that
// changes something is not, since it may be a crash in the middle of that change.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "tests/netns/daemon_harness.h"

namespace hadirector::testing {
namespace {

// kCloseUnread: closed as soon as accepted (the client's send may fail, or its read meet the
// end); kCloseAfterRead: closed after reading the request, as a crash in the middle would.
enum class Answer { kBusy, kCloseUnread, kCloseAfterRead, kReply };

// Accepts one connection per scripted answer, in order, then stops listening.
class ScriptedSocket {
 public:
  explicit ScriptedSocket(std::vector<Answer> script) : script_(std::move(script)) {
    char pattern[] = "/tmp/hd-ctl-retry-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    path_ = dir_ + "/control.sock";
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) ::listen(fd_, 16);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedSocket() {
    thread_.join();
    ::close(fd_);
    std::filesystem::remove_all(dir_);
  }
  const std::string& path() const { return path_; }
  int connections() const { return connections_; }

 private:
  void serve() {
    for (Answer answer : script_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 3000) != 1) return;  // the client gave up: no more connections
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      ++connections_;
      if (answer == Answer::kBusy) {
        static const char kBusy[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";
        (void)!::send(c, kBusy, sizeof kBusy - 1, MSG_NOSIGNAL);
      } else if (answer != Answer::kCloseUnread) {
        char buf[4096];
        (void)!::recv(c, buf, sizeof buf, 0);
      }
      if (answer == Answer::kReply) {
        static const char kStatus[] = "{\"ok\":true,\"generation\":7}\n";
        (void)!::send(c, kStatus, sizeof kStatus - 1, MSG_NOSIGNAL);
      }
      ::close(c);
    }
  }
  std::vector<Answer> script_;
  std::string dir_, path_;
  int fd_ = -1;
  std::atomic<int> connections_{0};
  std::thread thread_;
};

CommandResult ctl(const ScriptedSocket& s, std::vector<std::string> args) {
  args.insert(args.begin(), {binary_path("hadirectorctl"), "-s", s.path()});
  return run_command(args);
}

TEST(CtlRetry, AStatusTurnedAwayUnreadIsAskedAgain) {
  ScriptedSocket s({Answer::kBusy, Answer::kCloseUnread, Answer::kReply});
  auto r = ctl(s, {"status", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"generation\": 7"), std::string::npos) << r.out;
  EXPECT_EQ(s.connections(), 3);
}

TEST(CtlRetry, AReloadWhoseConnectionClosesIsNotSentAgain) {
  ScriptedSocket s({Answer::kCloseAfterRead, Answer::kReply});
  auto r = ctl(s, {"reload"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no reply from hadirectord"), std::string::npos) << r.err;
  EXPECT_EQ(s.connections(), 1);
}

TEST(CtlRetry, ABusyDaemonIsTriedSixTimesThenReported) {
  ScriptedSocket s(std::vector<Answer>(7, Answer::kBusy));
  auto r = ctl(s, {"drain", "web", "10.0.0.1:80"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("too many clients"), std::string::npos) << r.err;
  EXPECT_EQ(s.connections(), 6);
}

}  // namespace
}  // namespace hadirector::testing
