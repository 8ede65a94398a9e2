#include "tests/netns/daemon_harness.h"
#include "tests/common/test_paths.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hadirector::testing {
namespace {

std::string drain(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = read_file("/proc/" + name + "/stat");
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(close_paren + 2));
    char state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) out.push_back(static_cast<pid_t>(std::atoi(name.c_str())));
  }
  return out;
}

std::string binary_path(const std::string& name) {
  return std::string(HD_BINARY_DIR) + "/daemon/" + name;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::trunc) << text;
  std::filesystem::rename(tmp, path);
}

bool process_exists(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  // A zombie is gone for our purposes.
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close_paren = stat.rfind(')');
  return close_paren == std::string::npos || stat.size() < close_paren + 3 ||
         stat[close_paren + 2] != 'Z';
}

CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout) {
  char out_tmpl[] = "/tmp/hd-cmd-out-XXXXXX";
  char err_tmpl[] = "/tmp/hd-cmd-err-XXXXXX";
  // Close-on-exec: tests call this from several threads at once, and a command forked by one
  // must not hold another's output files.
  int out_fd = ::mkostemp(out_tmpl, O_CLOEXEC);
  int err_fd = ::mkostemp(err_tmpl, O_CLOEXEC);
  // Built before fork: the child of a multi-threaded process may only make async-signal-safe
  // calls until exec. An allocation there waits forever for an allocator lock that another
  // thread held at the fork (seen under ASan: the status poller's hadirectorctl child of the
  // large fault test stuck in SizeClassAllocator64::GetFromAllocator until the 30 s timeout).
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);  // dup2 clears close-on-exec on the copy
    ::dup2(err_fd, 2);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  CommandResult result;
  int status = 0;
  bool done = eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  if (!done) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  ::lseek(out_fd, 0, SEEK_SET);
  ::lseek(err_fd, 0, SEEK_SET);
  result.out = drain(out_fd);
  result.err = drain(err_fd);
  ::close(out_fd);
  ::close(err_fd);
  ::unlink(out_tmpl);
  ::unlink(err_tmpl);
  return result;
}

DaemonHarness::DaemonHarness(const std::string& config_yaml) {
  char tmpl[] = "/tmp/hd-test-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  write_file(config_path(), config_yaml);
  notify_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = dir_ + "/notify.sock";
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ::bind(notify_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
}

DaemonHarness::~DaemonHarness() {
  if (pid_ > 0 && !exited_) {
    // Workers die with the supervisor (PR_SET_PDEATHSIG), but not while SIGSTOPped: kill the
    // supervisor's children by pid first.
    for (pid_t child : children_of(pid_)) ::kill(child, SIGKILL);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (notify_fd_ >= 0) ::close(notify_fd_);
  std::error_code ec;
  if (!std::getenv("HD_KEEP_TEST_DIRS")) std::filesystem::remove_all(dir_, ec);
}

void DaemonHarness::start() {
  // Everything the child needs is built here: between fork and exec it makes only
  // async-signal-safe calls (see run_command; a test may run threads by now).
  const std::string log_path = dir_ + "/daemon.log";
  const std::string ns_path = netns_.empty() ? "" : "/var/run/netns/" + netns_;
  const std::string bin = binary_path("hadirectord");
  const std::string cfg = config_path(), run = runtime_dir();
  const char* const argv[] = {"hadirectord", "-f", cfg.c_str(), "--runtime-dir", run.c_str(),
                              "--log-level", "debug", nullptr};
  // Our environment with NOTIFY_SOCKET set, JOURNAL_STREAM unset and add_env()'s on top.
  std::vector<std::string> env;
  auto set = [&env](const std::string& kv) {  // putenv's meaning: "NAME" alone unsets NAME
    const size_t eq = kv.find('=');
    const std::string name = kv.substr(0, eq) + "=";
    std::erase_if(env, [&](const std::string& e) { return e.starts_with(name); });
    if (eq != std::string::npos) env.push_back(kv);
  };
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  set("NOTIFY_SOCKET=" + dir_ + "/notify.sock");
  set("JOURNAL_STREAM");
  for (const auto& kv : env_) set(kv);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const bool own_network = ns_path.empty() && private_network_ && ::geteuid() == 0;
  exited_ = false;
  pid_ = ::fork();
  if (pid_ == 0) {
    if (!ns_path.empty()) {
      int ns = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) _exit(126);
    } else if (own_network) {
      // A network namespace of its own, so a VRRP instance on `lo` never adds its VIP to the
      // host's loopback. Without root the daemon cannot add addresses anyway.
      if (::unshare(CLONE_NEWNET) != 0) _exit(126);
    }
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 2);
    ::dup2(fd, 1);
    ::execve(bin.c_str(), const_cast<char* const*>(argv), envp.data());
    _exit(127);
  }
}

void DaemonHarness::kill_all() {
  if (pid_ <= 0 || exited_) return;
  // Freeze the supervisor so it restarts nothing, then kill the workers before it: a worker
  // outliving its supervisor would get SIGTERM (PR_SET_PDEATHSIG) and stop gracefully.
  ::kill(pid_, SIGSTOP);
  for (pid_t child : children_of(pid_)) ::kill(child, SIGKILL);
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  exited_ = true;
}

std::optional<std::string> DaemonHarness::next_notify(std::chrono::milliseconds timeout) {
  pollfd p{notify_fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  char buf[4096];
  ssize_t n = ::recv(notify_fd_, buf, sizeof buf, 0);
  if (n <= 0) return std::nullopt;
  notes_.emplace_back(buf, static_cast<size_t>(n));
  return notes_.back();
}

bool DaemonHarness::wait_notify(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto note = next_notify(left);
    if (note && note->find(needle) != std::string::npos) return true;
  }
}

CommandResult DaemonHarness::ctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binary_path("hadirectorctl"), "-s", socket_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

nlohmann::json DaemonHarness::status() {
  auto r = ctl({"status", "--json"});
  if (r.exit_code != 0) return nlohmann::json();
  return nlohmann::json::parse(r.out, nullptr, false);
}

pid_t DaemonHarness::worker_pid(const std::string& name) {
  auto s = status();
  if (!s.is_object()) return -1;
  for (const auto& p : s.value("processes", nlohmann::json::array()))
    if (p.value("name", "") == name) return p.value("pid", -1);
  return -1;
}

int DaemonHarness::worker_restarts(const std::string& name) {
  auto s = status();
  if (!s.is_object()) return -1;
  for (const auto& p : s.value("processes", nlohmann::json::array()))
    if (p.value("name", "") == name) return p.value("restarts", -1);
  return -1;
}

std::string DaemonHarness::log() const { return read_file(dir_ + "/daemon.log"); }

bool DaemonHarness::wait_log(const std::string& needle, std::chrono::milliseconds timeout) const {
  return eventually([&] { return log().find(needle) != std::string::npos; }, timeout);
}

void DaemonHarness::write_config(const std::string& yaml) { write_file(config_path(), yaml); }

void DaemonHarness::signal(int signo) { ::kill(pid_, signo); }

std::optional<int> DaemonHarness::wait_exit(std::chrono::milliseconds timeout) {
  int status = 0;
  if (!eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout))
    return std::nullopt;
  exited_ = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace hadirector::testing
