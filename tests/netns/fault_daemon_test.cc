// Fault suite, the daemon as a whole: the control socket under abuse (invalid JSON, 1 MiB
// requests, 1,000 concurrent clients, clients that send requests and never read) while a real
// `hadirectorctl status` must keep answering. The large configuration is fault_scale_test.cc.
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>

#include "tests/netns/fault_lab.h"

namespace hadirector::testing {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int connect_nb(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
      errno != EINPROGRESS && errno != EAGAIN) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One abusive behaviour, repeated by a thread until `stop`: each connection does its thing and
// is closed when the next one opens, except for the idle crowd, which is held open.
void abuse(const std::string& path, int kind, const std::atomic<bool>& stop,
           std::atomic<long>& connections) {
  const std::string big(1 << 20, 'x');
  const std::string pipelined = [] {
    std::string s;
    for (int i = 0; i < 2000; ++i) s += "{\"command\":\"status\"}\n";
    return s;
  }();
  std::vector<int> held;
  while (!stop) {
    int fd = connect_nb(path);
    if (fd < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    ++connections;
    if (kind == 0) {
      (void)!::send(fd, "{not json at all\n\x01\xff]]\n", 20, MSG_NOSIGNAL);
    } else if (kind == 1) {
      (void)!::send(fd, big.data(), big.size(), MSG_NOSIGNAL);  // 1 MiB, no newline
    } else if (kind == 2) {
      (void)!::send(fd, pipelined.data(), pipelined.size(), MSG_NOSIGNAL);  // never read
    }
    held.push_back(fd);
    // The crowd (kind 3) holds up to 1,000 connections open and silent; the others keep 20.
    const size_t keep = kind == 3 ? 1000 : 20;
    if (held.size() > keep) {
      ::close(held.front());
      held.erase(held.begin());
    }
    if (kind == 3 && held.size() == keep)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (int fd : held) ::close(fd);
}

TEST(FaultDaemon, ControlSocketUnderAbuseStillAnswersStatus) {
  HD_SKIP_UNLESS_ROOT();
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = std::max<rlim_t>(files.rlim_cur, std::min<rlim_t>(files.rlim_max, 8192));
  ::setrlimit(RLIMIT_NOFILE, &files);
  DaemonHarness d("version: 1\n");
  d.start();
  ASSERT_TRUE(d.wait_notify("READY=1")) << d.log();
  const double seconds = fault_param("HD_FAULT_CONTROL_SECONDS", 3, 10);
  std::atomic<bool> stop{false};
  std::atomic<long> connections{0};
  std::vector<std::thread> abusers;
  for (int kind = 0; kind < 4; ++kind)
    abusers.emplace_back(abuse, d.socket_path(), kind, std::cref(stop), std::ref(connections));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the crowd is in
  double worst = 0;
  int answered = 0, failed = 0;
  for (auto end = Clock::now() + std::chrono::duration<double>(seconds); Clock::now() < end;) {
    const auto t = Clock::now();
    auto r = d.ctl({"status", "--json"});
    worst = std::max(worst, seconds_since(t));
    if (r.exit_code == 0 && nlohmann::json::parse(r.out, nullptr, false).contains("generation")) {
      ++answered;
    } else {
      ++failed;
      if (failed == 1) std::printf("first failed status: %s%s\n", r.out.c_str(), r.err.c_str());
    }
  }
  stop = true;
  for (auto& t : abusers) t.join();
  const ProcFigures sup = proc_figures(d.pid());
  std::printf(
      "[ FIGURE ] control socket abuse for %.0f s (%ld abusive connections): %d status "
      "answered, %d failed, slowest %.0f ms; supervisor RSS %ld kB, %d fds\n",
      seconds, connections.load(), answered, failed, worst * 1000, sup.rss_kb, sup.fds);
  EXPECT_GT(connections.load(), 1000);
  EXPECT_GT(answered, 0);
  EXPECT_EQ(failed, 0) << d.log().substr(0, 4000);
  EXPECT_LT(worst, 2.0);
  EXPECT_TRUE(process_exists(d.pid()));
  // The abusers are gone: every slot is free again.
  EXPECT_TRUE(eventually([&] { return d.ctl({"status"}).exit_code == 0; }));
}

}  // namespace
}  // namespace hadirector::testing
