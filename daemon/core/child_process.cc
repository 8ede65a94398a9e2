#include "daemon/core/child_process.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "daemon/core/child_spawn.h"

namespace hadirector::core {
namespace {

std::string format_duration(Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// One running child. Owned by the Handle returned from run(); the loop's callbacks hold raw
// pointers, which stay valid because every registration is a Handle member here.
class Job : public std::enable_shared_from_this<Job> {
 public:
  Job(EventLoop& loop, std::function<void(const ChildResult&)> done, ChildSpec spec)
      : loop_(loop), done_(std::move(done)), spec_(std::move(spec)), start_(loop.now()) {}

  // A failure before fork, still reported from the loop as the API promises.
  void fail_later(std::string error) {
    result_.error = std::move(error);
    deferred_ = loop_.defer([this] { finish(); });
  }

  Status start(SpawnPlan plan) {
    plan_ = std::move(plan);
    auto child = spawn(plan_);
    if (!child) {
      fail_later(child.error().message());
      return {};
    }
    pid_ = child->pid;
    output_ = std::move(child->output);
    status_ = std::move(child->status);
    auto watch = loop_.watch_child(pid_, [this](const siginfo_t& si) { on_exit(si); });
    if (!watch) return kill_on_error(watch.error());
    child_watch_ = std::move(*watch);
    if (output_) {
      auto out = loop_.watch_fd(output_.get(), EPOLLIN, [this](uint32_t) { drain_output(); });
      if (!out) return kill_on_error(out.error());
      output_watch_ = std::move(*out);
    }
    timeout_ = loop_.schedule_after(spec_.timeout, [this] { on_timeout(); });
    return {};
  }

  // The Handle was dropped before done(): the child and its group must not outlive it.
  void abandon() {
    if (finished_) return;
    finished_ = true;
    if (pid_ > 0) kill_group(SIGKILL);
    release();
  }

 private:
  Status kill_on_error(const Error& error) {
    kill_group(SIGKILL);
    // Nothing watches the child now, so reap it here; SIGKILL makes this brief.
    waitpid(pid_, nullptr, 0);
    finished_ = true;
    release();
    return std::unexpected(error.wrap("run " + plan_.path));
  }

  void kill_group(int sig) {
    if (kill(-pid_, sig) != 0) kill(pid_, sig);
  }

  void on_timeout() {
    timed_out_ = true;
    kill_group(SIGTERM);
    timeout_ = loop_.schedule_after(spec_.kill_grace, [this] { kill_group(SIGKILL); });
  }

  void drain_output() {
    char buf[4096];
    for (;;) {
      ssize_t n = read(output_.get(), buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // EOF (or an error): stop watching; EAGAIN just means "for now".
        if (n == 0 || errno != EAGAIN) output_watch_.cancel();
        return;
      }
      size_t room = spec_.max_output - std::min(spec_.max_output, result_.output.size());
      size_t take = std::min(room, static_cast<size_t>(n));
      result_.output.append(buf, take);
      if (take < static_cast<size_t>(n)) result_.output_truncated = true;
    }
  }

  void on_exit(const siginfo_t& si) {
    if (output_) drain_output();
    if (si.si_code == CLD_EXITED) {
      result_.outcome = ChildResult::Outcome::kExited;
      result_.exit_code = si.si_status;
    } else {
      result_.outcome = ChildResult::Outcome::kSignaled;
      result_.signal = si.si_status;
      result_.error = "killed by " + signal_name(si.si_status);
    }
    if (auto spawn_error = read_spawn_failure(status_.get(), plan_)) {
      result_.outcome = ChildResult::Outcome::kSpawnFailed;
      result_.exit_code = -1;
      result_.error = *spawn_error;
    } else if (timed_out_) {
      result_.outcome = ChildResult::Outcome::kTimedOut;
      result_.error = "timed out after " + format_duration(spec_.timeout);
      // The child is gone but what it started may not be: the group goes with it. The child
      // is still a zombie here (the loop reaps after this callback), so its pgid is ours.
      kill(-pid_, SIGKILL);
    }
    finish();
  }

  void finish() {
    auto self = shared_from_this();  // done_ may drop the last Handle
    finished_ = true;
    result_.elapsed = loop_.now() - start_;
    release();
    auto done = std::move(done_);
    if (done) done(result_);
  }

  void release() {
    timeout_.cancel();
    output_watch_.cancel();
    child_watch_.cancel();
    deferred_.cancel();
    output_.reset();
    status_.reset();
  }

  EventLoop& loop_;
  std::function<void(const ChildResult&)> done_;
  ChildSpec spec_;
  SpawnPlan plan_;
  TimePoint start_;
  pid_t pid_ = -1;
  UniqueFd output_;
  UniqueFd status_;
  Handle child_watch_;
  Handle output_watch_;
  Handle timeout_;
  Handle deferred_;
  ChildResult result_;
  bool timed_out_ = false;
  bool finished_ = false;
};

}  // namespace

Result<Handle> ChildRunner::run(const ChildSpec& spec,
                                std::function<void(const ChildResult&)> done) {
  if (spec.argv.empty()) return fail(Errc::kInvalid, "run child: empty command");
  auto job = std::make_shared<Job>(loop_, std::move(done), spec);
  auto plan = plan_spawn(spec);
  if (!plan) {
    job->fail_later(plan.error().message());
  } else if (auto st = job->start(std::move(*plan)); !st) {
    return std::unexpected(st.error());
  }
  return Handle([job = std::move(job)] { job->abandon(); });
}

}  // namespace hadirector::core
