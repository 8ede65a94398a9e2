// Fault suite, the daemon as a whole: the control socket under abuse (invalid JSON, 1 MiB
// requests, 1,000 concurrent clients, clients that send requests and never read) while a real
// `hadirectorctl status` must keep answering; and a configuration of 10,000 virtual servers and
// 1,000 VRRP instances checked, started, reloaded and stopped within printed bounds (IPVS is
// absent on this host: the virtual servers are reported, not programmed).
#include <signal.h>
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

std::string scale_yaml(int instances, int servers, int weight) {
  std::string y = "version: 1\nvrrp:\n  instances:\n";
  for (int i = 0; i < instances; ++i) {
    y += "    - {name: i" + std::to_string(i) + ", interface: eth" + std::to_string(i / 250) +
         ", vrid: " + std::to_string(i % 250 + 1) +
         ", priority: 100, advert_interval: 1s, virtual_addresses: [10.10." +
         std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "/32]}\n";
  }
  y += "virtual_servers:\n";
  for (int v = 0; v < servers; ++v) {
    const std::string host = std::to_string(v / 250) + "." + std::to_string(v % 250 + 1);
    y += "  - {name: vs" + std::to_string(v) + ", address: '10.20." + host +
         ":80', real_servers: [{address: '10.30." + host +
         ":80', weight: " + std::to_string(weight) + "}]}\n";
  }
  return y;
}

TEST(FaultDaemon, TenThousandVirtualServersAndAThousandInstancesLoadReloadAndStop) {
  HD_SKIP_UNLESS_ROOT();
  // Quick mode (CI) runs a tenth of the full size; HD_FAULT_FULL=1 runs the figures.
  const int instances = static_cast<int>(fault_param("HD_FAULT_SCALE_INSTANCES", 100, 1000));
  const int servers = static_cast<int>(fault_param("HD_FAULT_SCALE_SERVERS", 1000, 10000));
  NetnsLab lab;
  const std::string ns = lab.add_namespace(), peer = lab.add_namespace();
  for (int i = 0; i * 250 < instances; ++i)
    lab.add_veth(ns, "eth" + std::to_string(i), peer, "eth" + std::to_string(i));
  DaemonHarness d(scale_yaml(instances, servers, 1));
  d.set_netns(ns);

  auto t = Clock::now();
  auto check = run_command({binary_path("hadirectord"), "--check-config", "-f", d.config_path()},
                           std::chrono::seconds(120));
  const double check_s = seconds_since(t);
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;

  t = Clock::now();
  d.start();
  ASSERT_TRUE(d.wait_notify("READY=1", std::chrono::seconds(120))) << d.log().substr(0, 4000);
  const double start_s = seconds_since(t);
  auto status = d.status();
  const size_t vs_reported = status.value("virtual_servers", nlohmann::json::array()).size();
  const size_t inst_reported = status["vrrp"].value("instances", nlohmann::json::array()).size();

  d.write_config(scale_yaml(instances, servers, 2));  // every real server's weight changes
  t = Clock::now();
  auto reload = d.ctl({"reload"});
  const double reload_s = seconds_since(t);
  const ProcFigures sup = proc_figures(d.pid());
  const ProcFigures vrrp = proc_figures(d.worker_pid("vrrp"));
  const ProcFigures checker = proc_figures(d.worker_pid("checker"));

  t = Clock::now();
  d.signal(SIGTERM);
  auto code = d.wait_exit(std::chrono::seconds(60));
  const double stop_s = seconds_since(t);
  std::printf(
      "[ FIGURE ] %d instances, %d virtual servers: --check-config %.2f s (bound 30 s), start "
      "to READY %.2f s (bound 60 s), reload %.2f s (bound 60 s), stop %.2f s (bound 10 s); "
      "reported %zu instances, %zu virtual servers; RSS supervisor %ld kB, vrrp %ld kB, "
      "checker %ld kB\n",
      instances, servers, check_s, start_s, reload_s, stop_s, inst_reported, vs_reported,
      sup.rss_kb, vrrp.rss_kb, checker.rss_kb);
  EXPECT_LT(check_s, 30);
  EXPECT_LT(start_s, 60);
  EXPECT_EQ(reload.exit_code, 0) << reload.out << reload.err;
  EXPECT_LT(reload_s, 60);
  ASSERT_TRUE(code.has_value()) << d.log().substr(0, 4000);
  EXPECT_EQ(*code, 0);
  EXPECT_LT(stop_s, 10);
  EXPECT_EQ(inst_reported, static_cast<size_t>(instances));
  EXPECT_EQ(vs_reported, static_cast<size_t>(servers));
}

}  // namespace
}  // namespace hadirector::testing
