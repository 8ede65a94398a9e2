#include "vrrp/notify.h"

#include "daemon/core/log.h"

namespace hadirector::vrrp {

std::vector<std::vector<std::string>> notify_commands(const config::Notify& notify,
                                                      const std::string& type,
                                                      const std::string& name, State to,
                                                      int priority) {
  const std::vector<std::string>* own = nullptr;
  switch (to) {
    case State::kMaster:
      own = &notify.master;
      break;
    case State::kBackup:
      own = &notify.backup;
      break;
    case State::kFault:
      own = &notify.fault;
      break;
    case State::kInitialize:
      own = &notify.stop;
      break;
  }
  const std::string state = to == State::kInitialize ? "STOP" : state_name(to);
  std::vector<std::vector<std::string>> out;
  for (const auto* argv : {own, &notify.any}) {
    if (argv->empty()) continue;
    auto cmd = *argv;
    cmd.insert(cmd.end(), {type, name, state, std::to_string(priority)});
    out.push_back(std::move(cmd));
  }
  return out;
}

void NotifyQueue::push(std::vector<std::string> argv, std::optional<std::string> user) {
  core::ChildSpec spec;
  spec.argv = std::move(argv);
  spec.user = std::move(user);
  spec.timeout = timeout_;
  spec.max_output = 4096;
  queue_.push_back(std::move(spec));
  if (!busy_) next();
}

void NotifyQueue::next() {
  while (!queue_.empty()) {
    core::ChildSpec spec = std::move(queue_.front());
    queue_.pop_front();
    const std::string what = spec.argv.empty() ? "" : spec.argv[0];
    busy_ = true;
    auto child = launcher_(spec, [this, what](const core::ChildResult& r) {
      ++completed_;
      if (!r.succeeded()) {
        ++failed_;
        core::log_warning("notify script " + what + " failed: " +
                          (r.error.empty() ? "exit " + std::to_string(r.exit_code) : r.error));
      }
      busy_ = false;
      next();
    });
    if (child) {
      running_ = std::move(*child);
      return;
    }
    busy_ = false;
    ++failed_;
    core::log_warning("notify script " + what + " not started: " + child.error().message());
  }
}

}  // namespace hadirector::vrrp
