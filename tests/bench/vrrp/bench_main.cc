// bench_vrrp: the VRRP benchmarks (gtest cases, so they reuse the netns tests' fixtures and
// report setup failures the usual way) printing BENCH lines for tests/bench/run. `--quick`
// shortens every window. The work runs in a child process; this parent waits for it, and when
// the child ends — normally, by a crash, or killed on Ctrl-C — removes whatever the child left:
// its namespaces (hdt-<child pid>-*), the processes inside them and their temporary dirs.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "tests/bench/vrrp/bench_report.h"
#include "tests/netns/daemon_harness.h"

namespace {

volatile sig_atomic_t interrupted = 0;

void on_signal(int) { interrupted = 1; }

// Temporary directories of our harnesses named on a process's command line.
void collect_dirs(pid_t pid, std::set<std::string>& dirs) {
  std::string cmdline = hadirector::testing::read_file("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  std::istringstream words(cmdline);
  for (std::string w; words >> w;)
    for (const char* prefix : {"/tmp/hd-test-", "/tmp/hd-bench-ka-"})
      if (w.starts_with(prefix)) dirs.insert(w.substr(0, w.find('/', std::strlen(prefix))));
}

void clean_up_after(pid_t child) {
  const std::string prefix = "hdt-" + std::to_string(child) + "-";
  std::set<std::string> dirs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
    const std::string ns = entry.path().filename();
    if (!ns.starts_with(prefix)) continue;
    auto pids = hadirector::testing::run_command({"ip", "netns", "pids", ns});
    std::istringstream in(pids.out);
    for (pid_t pid; in >> pid;) {
      collect_dirs(pid, dirs);
      ::kill(pid, SIGKILL);
    }
    hadirector::testing::run_command({"ip", "netns", "del", ns});
    std::fprintf(stderr, "bench_vrrp: removed leftover namespace %s\n", ns.c_str());
  }
  for (const auto& d : dirs) std::filesystem::remove_all(d, ec);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      hadirector::bench::set_quick(true);
    else
      args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  ::testing::InitGoogleTest(&n, args.data());
  if (::geteuid() != 0) {
    std::fprintf(stderr, "bench_vrrp: needs root (network namespaces, raw sockets)\n");
    return 2;
  }
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child == 0) return RUN_ALL_TESTS();
  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: waitpid returns on the signal
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(s, &sa, nullptr);
  int status = 0;
  while (::waitpid(child, &status, 0) != child) {
    if (errno == EINTR && interrupted) ::kill(child, SIGKILL);
  }
  clean_up_after(child);
  if (interrupted) return 130;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
