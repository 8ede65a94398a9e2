#include "daemon/core/child_spawn.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "daemon/core/descriptor_limit.h"

extern char** environ;

namespace hadirector::core {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// What the child writes to the status pipe when it cannot reach execve.
enum class Stage : int { kStdio = 1, kGroups, kSetgid, kSetuid, kExec };

struct StatusReport {
  Stage stage;
  int err;
};

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::kStdio:
      return "set up stdio";
    case Stage::kGroups:
      return "setgroups";
    case Stage::kSetgid:
      return "setgid";
    case Stage::kSetuid:
      return "setuid";
    case Stage::kExec:
      return "exec";
  }
  return "start";
}

Result<SpawnPlan::Credentials> lookup_user(const std::string& user) {
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd pw;
  passwd* found = nullptr;
  int r = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (r != 0) return fail_errno(r, "look up user " + user);
  if (found == nullptr) return fail(Errc::kNotFound, "unknown user " + user);
  SpawnPlan::Credentials creds{pw.pw_uid, pw.pw_gid, {}};
  int n = 32;
  for (;;) {
    creds.groups.resize(static_cast<size_t>(n));
    int want = n;
    if (getgrouplist(pw.pw_name, pw.pw_gid, creds.groups.data(), &want) >= 0) {
      creds.groups.resize(static_cast<size_t>(want));
      return creds;
    }
    if (want <= n) return fail(Errc::kSystem, "look up groups of user " + user);
    n = want;
  }
}

[[noreturn]] void child_fail(int status_fd, Stage stage) {
  StatusReport report{stage, errno};
  (void)!write(status_fd, &report, sizeof(report));
  _exit(127);
}

// Marks every fd above stderr close-on-exec (the status pipe already is, so it closes exactly
// when exec succeeds).
void cloexec_all_above_stderr() {
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  rlimit lim{};
  int max_fd = getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 65536
                   ? static_cast<int>(lim.rlim_cur)
                   : 65536;
  for (int fd = 3; fd < max_fd; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// After fork: async-signal-safe calls only; every string was prepared by the parent.
[[noreturn]] void run_child(const SpawnPlan& plan, char* const* argv, char* const* envp,
                            int output_fd, int status_fd, pid_t parent) {
  setpgid(0, 0);
  // A script must not outlive a crashed worker.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);  // KILL/STOP just fail
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0) child_fail(status_fd, Stage::kStdio);
  if (output_fd >= 0 &&
      (dup2(output_fd, STDOUT_FILENO) < 0 || dup2(output_fd, STDERR_FILENO) < 0)) {
    child_fail(status_fd, Stage::kStdio);
  }
  if (plan.credentials) {
    const auto& c = *plan.credentials;
    if (setgroups(c.groups.size(), c.groups.data()) != 0) child_fail(status_fd, Stage::kGroups);
    if (setgid(c.gid) != 0) child_fail(status_fd, Stage::kSetgid);
    if (setuid(c.uid) != 0) child_fail(status_fd, Stage::kSetuid);
  }
  cloexec_all_above_stderr();
  restore_descriptor_limit_for_child();
  execve(plan.path.c_str(), argv, envp);
  child_fail(status_fd, Stage::kExec);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

Result<std::pair<UniqueFd, UniqueFd>> make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail_errno(errno, "create pipe");
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  // Only our end is non-blocking; the child writes with ordinary blocking semantics.
  if (fcntl(read_end.get(), F_SETFL, O_NONBLOCK) != 0) return fail_errno(errno, "set O_NONBLOCK");
  return std::make_pair(std::move(read_end), std::move(write_end));
}

}  // namespace

Result<std::string> find_executable(const std::string& name, const std::string& path_list) {
  if (name.find('/') != std::string::npos) return name;
  size_t start = 0;
  while (start <= path_list.size()) {
    size_t end = path_list.find(':', start);
    if (end == std::string::npos) end = path_list.size();
    std::string dir = path_list.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return fail(Errc::kNotFound, "exec " + name + ": not found in PATH");
}

std::vector<std::string> merge_environment(const std::vector<std::string>& base,
                                           const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  auto key_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  for (const std::string& entry : base) {
    bool overridden = false;
    for (const std::string& e : extra) overridden = overridden || key_of(e) == key_of(entry);
    if (!overridden) out.push_back(entry);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

Result<SpawnPlan> plan_spawn(const ChildSpec& spec) {
  if (spec.argv.empty()) return fail(Errc::kInvalid, "empty command");
  SpawnPlan plan;
  plan.argv = spec.argv;
  plan.capture_output = spec.capture_output;
  const char* path_env = std::getenv("PATH");
  auto path = find_executable(spec.argv[0], path_env ? path_env : kDefaultPath);
  if (!path) return std::unexpected(path.error());
  plan.path = *path;
  if (spec.user) {
    auto creds = lookup_user(*spec.user);
    if (!creds) return std::unexpected(creds.error());
    plan.credentials = std::move(*creds);
  }
  std::vector<std::string> base;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) base.emplace_back(*e);
  plan.env = merge_environment(base, spec.env);
  return plan;
}

Result<SpawnedChild> spawn(const SpawnPlan& plan) {
  SpawnedChild child;
  std::pair<UniqueFd, UniqueFd> output;
  if (plan.capture_output) {
    auto p = make_pipe();
    if (!p) return std::unexpected(p.error());
    output = std::move(*p);
  }
  auto status = make_pipe();
  if (!status) return std::unexpected(status.error());
  std::vector<char*> argv = c_strings(plan.argv);
  std::vector<char*> envp = c_strings(plan.env);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return fail_errno(errno, "fork for " + plan.path);
  if (pid == 0) {
    run_child(plan, argv.data(), envp.data(), plan.capture_output ? output.second.get() : -1,
              status->second.get(), parent);
  }
  // Also from the parent, so a kill of the group right away cannot miss it.
  setpgid(pid, pid);
  child.pid = pid;
  child.output = std::move(output.first);
  child.status = std::move(status->first);
  return child;
}

std::optional<std::string> read_spawn_failure(int status_fd, const SpawnPlan& plan) {
  StatusReport report{};
  if (read(status_fd, &report, sizeof(report)) != static_cast<ssize_t>(sizeof(report))) {
    return std::nullopt;
  }
  std::string what(stage_name(report.stage));
  what += report.stage == Stage::kExec ? " " + plan.path : " for " + plan.path;
  return Error::from_errno(report.err, what).message();
}

}  // namespace hadirector::core
