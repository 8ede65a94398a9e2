// The control socket under bad input: malformed and oversized requests get an error reply,
// a client that never finishes its request blocks nobody, and the socket's mode is 0660.
// control.read_group: unprivileged members read, only root changes, non-members get nothing.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "tests/netns/daemon_harness.h"
#include "tests/netns/netns_fixture.h"
#include "tests/common/sanitizer.h"

namespace hadirector::testing {
namespace {

using namespace std::chrono_literals;

const char kConfig[] = "version: 1\n";

int connect_to(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

std::string round_trip(int fd, const std::string& bytes) {
  (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string reply;
  char buf[4096];
  ssize_t n;
  while (reply.find('\n') == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0)
    reply.append(buf, static_cast<size_t>(n));
  return reply;
}

class ControlSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.start();
    ASSERT_TRUE(daemon_.wait_notify("READY=1")) << daemon_.log();
  }
  DaemonHarness daemon_{kConfig};
};

TEST_F(ControlSocketTest, SocketIsGroupReadWriteOnly) {
  struct stat st;
  ASSERT_EQ(::stat(daemon_.socket_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST_F(ControlSocketTest, MalformedRequestGetsAnErrorReply) {
  int fd = connect_to(daemon_.socket_path());
  ASSERT_GE(fd, 0);
  auto reply = nlohmann::json::parse(round_trip(fd, "{not json\n"), nullptr, false);
  ::close(fd);
  ASSERT_TRUE(reply.is_object());
  EXPECT_EQ(reply["ok"], false);
  EXPECT_EQ(reply["error"], "request is not a JSON object");
}

TEST_F(ControlSocketTest, UnknownCommandIsNamedInTheError) {
  int fd = connect_to(daemon_.socket_path());
  auto reply = nlohmann::json::parse(round_trip(fd, "{\"cmd\":\"explode\"}\n"), nullptr, false);
  ::close(fd);
  EXPECT_EQ(reply["error"], "unknown command 'explode'");
}

TEST_F(ControlSocketTest, OversizedRequestIsRefused) {
  int fd = connect_to(daemon_.socket_path());
  std::string huge(200 * 1024, 'x');
  auto reply = nlohmann::json::parse(round_trip(fd, huge), nullptr, false);
  ::close(fd);
  ASSERT_TRUE(reply.is_object());
  EXPECT_NE(reply["error"].get<std::string>().find("request too large"), std::string::npos);
  EXPECT_EQ(daemon_.status()["generation"], 1);
}

TEST_F(ControlSocketTest, StuckClientsDoNotBlockOthers) {
  std::vector<int> stuck;
  for (int i = 0; i < 20; ++i) {
    int fd = connect_to(daemon_.socket_path());
    ASSERT_GE(fd, 0);
    (void)!::send(fd, "{\"cmd\":", 7, MSG_NOSIGNAL);  // never finished
    stuck.push_back(fd);
  }
  auto start = std::chrono::steady_clock::now();
  auto s = daemon_.status();
  EXPECT_EQ(s["generation"], 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  for (int fd : stuck) ::close(fd);
}

TEST_F(ControlSocketTest, CtlWithoutDaemonExitsThreeAndSaysWhy) {
  auto r =
      run_command({binary_path("hadirectorctl"), "-s", daemon_.dir() + "/nope.sock", "status"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot reach hadirectord"), std::string::npos) << r.err;
}

TEST_F(ControlSocketTest, CtlStatusTableListsTheProcesses) {
  auto r = daemon_.ctl({"status"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("hadirectord: generation 1, ready"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("supervisor"), std::string::npos);
  EXPECT_NE(r.out.find("vrrp"), std::string::npos);
  // No virtual server, but the checker worker still runs (it idles).
  EXPECT_NE(r.out.find("checker"), std::string::npos) << r.out;
}

// Two throw-away system users, one in the read group, made for this test and removed after.
class ControlReadGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_SKIP_UNLESS_ROOT();
    const std::string id = std::to_string(::getpid());
    group_ = "hdrg" + id;
    member_ = "hdrm" + id;
    outsider_ = "hdro" + id;
    ASSERT_EQ(run_command({"groupadd", "-r", group_}).exit_code, 0);
    ASSERT_EQ(
        run_command({"useradd", "-r", "-M", "-N", "-G", group_, "-s", "/usr/sbin/nologin", member_})
            .exit_code,
        0);
    ASSERT_EQ(
        run_command({"useradd", "-r", "-M", "-N", "-s", "/usr/sbin/nologin", outsider_}).exit_code,
        0);
    daemon_ =
        std::make_unique<DaemonHarness>("version: 1\ncontrol:\n  read_group: " + group_ + "\n");
    daemon_->start();
    ASSERT_TRUE(daemon_->wait_notify("READY=1")) << daemon_->log();
    // The users must reach the socket: the test directories are root's and 0700.
    ::chmod(daemon_->dir().c_str(), 0711);
    ::chmod(daemon_->runtime_dir().c_str(), 0711);
  }
  void TearDown() override {
    daemon_.reset();
    for (const auto& u : {member_, outsider_})
      if (!u.empty()) run_command({"userdel", u});
    if (!group_.empty()) run_command({"groupdel", group_});
  }
  CommandResult ctl_as(const std::string& user, std::vector<std::string> args) {
    std::vector<std::string> argv = {"setpriv",
                                     "--reuid",
                                     user,
                                     "--regid",
                                     "nogroup",
                                     "--init-groups",
                                     binary_path("hadirectorctl"),
                                     "-s",
                                     daemon_->socket_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }
  std::string group_, member_, outsider_;
  std::unique_ptr<DaemonHarness> daemon_;
};

TEST_F(ControlReadGroupTest, MembersReadOnlyRootChangesOthersCannotConnect) {
  struct stat st;
  ASSERT_EQ(::stat(daemon_->socket_path().c_str(), &st), 0);
  group* g = ::getgrnam(group_.c_str());
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(st.st_gid, g->gr_gid);
  EXPECT_EQ(st.st_mode & 0777, 0660u);

  auto status = ctl_as(member_, {"status", "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("\"generation\""), std::string::npos);
  auto reload = ctl_as(member_, {"reload"});
  EXPECT_EQ(reload.exit_code, 1);
  EXPECT_NE((reload.out + reload.err).find("permission denied"), std::string::npos)
      << reload.out << reload.err;
  auto drain = ctl_as(member_, {"drain", "web", "192.0.2.1:80"});
  EXPECT_EQ(drain.exit_code, 1);
  EXPECT_NE((drain.out + drain.err).find("permission denied"), std::string::npos);
  for (const char* cmd : {"demote", "restore"}) {
    auto vrrp = ctl_as(member_, {cmd, "web"});
    EXPECT_EQ(vrrp.exit_code, 1) << cmd;
    EXPECT_NE(vrrp.err.find("permission denied: '" + std::string(cmd) + "' needs root"),
              std::string::npos)
        << vrrp.err;
  }

  auto outsider = ctl_as(outsider_, {"status"});
  EXPECT_EQ(outsider.exit_code, 3) << outsider.out << outsider.err;

  EXPECT_EQ(daemon_->ctl({"reload"}).exit_code, 0);
  EXPECT_TRUE(daemon_->wait_log("reload complete: generation 2"));
}

TEST_F(ControlReadGroupTest, AnUnprivilegedPeerIsRateLimitedAndRootIsNot) {
  if (kUnderSanitizer)
    GTEST_SKIP() << "a sanitized hadirectorctl starts more slowly than the budget refills (20 "
                    "a second), so it cannot exhaust it; the normal build runs this test";
  // Default budget: 20 requests a second with a burst of 40. Starting hadirectorctl costs a few
  // milliseconds, so 120 back-to-back requests go well past it.
  int admitted = 0, limited = 0;
  std::string last_err;
  for (int i = 0; i < 120; ++i) {
    auto r = ctl_as(member_, {"status", "--json"});
    if (r.exit_code == 0) ++admitted;
    if (r.exit_code == 1 && r.err.find("rate limited") != std::string::npos) ++limited;
    if (r.exit_code != 0) last_err = r.err;
  }
  std::printf("[ FIGURE ] 120 requests from one uid: %d answered, %d rate limited\n", admitted,
              limited);
  EXPECT_GE(admitted, 40);  // the burst at least
  EXPECT_GE(limited, 1) << last_err;
  EXPECT_EQ(admitted + limited, 120) << last_err;
  // Root is never limited, and the member's budget refills.
  EXPECT_EQ(daemon_->ctl({"status", "--json"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return ctl_as(member_, {"status"}).exit_code == 0; }, 3s));
}

}  // namespace
}  // namespace hadirector::testing
