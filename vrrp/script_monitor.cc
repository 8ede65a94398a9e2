#include "vrrp/script_monitor.h"

#include "daemon/core/log.h"

namespace hadirector::vrrp {

core::ChildSpec script_spec(const config::VrrpScript& script,
                            const std::optional<std::string>& default_user) {
  core::ChildSpec spec;
  if (script.shell) {
    std::string line;
    for (const auto& word : script.command) line += (line.empty() ? "" : " ") + word;
    spec.argv = {"/bin/sh", "-c", line};
  } else {
    spec.argv = script.command;
  }
  spec.user = script.user ? script.user : default_user;
  spec.timeout = script.timeout;
  spec.max_output = 4096;
  return spec;
}

ScriptMonitor::ScriptMonitor(config::VrrpScript script, std::optional<std::string> default_user,
                             core::Scheduler& scheduler, ChildLauncher launcher,
                             NamedStates<bool>& out)
    : script_(std::move(script)),
      spec_(script_spec(script_, default_user)),
      scheduler_(scheduler),
      launcher_(std::move(launcher)),
      out_(out) {}

void ScriptMonitor::start() { run(); }

void ScriptMonitor::run() {
  timer_.cancel();
  started_ = scheduler_.now();
  ++runs_;
  auto child = launcher_(spec_, [this](const core::ChildResult& r) { on_result(r); });
  if (!child) {
    core::ChildResult failed;
    failed.error = child.error().message();
    on_result(failed);
    return;
  }
  child_ = std::move(*child);
}

void ScriptMonitor::on_result(const core::ChildResult& result) {
  const bool ok = result.succeeded();
  if (ok) {
    ++successes_;
    failures_ = 0;
  } else {
    ++failures_;
    successes_ = 0;
  }
  const bool flip = !verdict_ || (*verdict_ && failures_ >= script_.fall) ||
                    (!*verdict_ && successes_ >= script_.rise);
  if (flip && verdict_ != ok) {
    if (verdict_)
      core::log_notice("vrrp script " + script_.name + ": " + (ok ? "succeeded" : "failed") +
                       (result.error.empty() ? "" : " (" + result.error + ")"));
    verdict_ = ok;
    out_.set(script_.name, ok);
  }
  // Interval from start to start; a run that took longer starts the next one at once.
  timer_ = scheduler_.schedule_at(started_ + script_.interval, [this] { run(); });
}

}  // namespace hadirector::vrrp
