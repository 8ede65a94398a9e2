#include "daemon/checker_ipvs.h"

#include "daemon/core/log.h"

namespace hadirector::daemon {
namespace {

std::string seconds_text(core::Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
}

}  // namespace

CheckerIpvs::CheckerIpvs(core::Scheduler& scheduler, Opener opener, Timing timing)
    : scheduler_(scheduler), opener_(std::move(opener)), timing_(timing) {}

void CheckerIpvs::start() { try_open(true); }

void CheckerIpvs::try_open(bool first) {
  auto opened = opener_();
  if (!opened) {
    if (first) {
      core::log_error("IPVS unavailable (" + opened.error().message() +
                          "): health checks keep running but the IPVS table is not programmed; "
                          "retrying every " +
                          seconds_text(timing_.retry_open),
                      {{"HADIRECTOR_EVENT", "ipvs-unavailable"}});
    } else {
      core::log_debug("IPVS still unavailable: " + opened.error().message());
    }
    retry_timer_ = scheduler_.schedule_after(timing_.retry_open, [this] { try_open(false); });
    return;
  }
  client_ = std::move(*opened);
  reconciler_ = std::make_unique<ipvs::Reconciler>(*client_);
  if (!first) core::log_notice("IPVS available now", {{"HADIRECTOR_EVENT", "ipvs-available"}});
  sync("start");
  if (on_available_) on_available_(*client_);
  drift_timer_ = scheduler_.schedule_after(timing_.drift_check, [this] { sync("drift"); });
}

void CheckerIpvs::update(std::vector<ipvs::DesiredService> desired) {
  desired_ = std::move(desired);
  if (reconciler_ && (!applied_ || *applied_ != desired_)) sync("change");
}

void CheckerIpvs::sync(const char* why) {
  const bool drift = std::string_view(why) == "drift";
  if (drift) {
    drift_timer_ = scheduler_.schedule_after(timing_.drift_check, [this] { sync("drift"); });
  }
  ipvs::SyncReport report = reconciler_->sync(desired_, scheduler_.now());
  for (const auto& op : report.applied) {
    const std::string line = "ipvs: " + op.describe();
    if (drift) {
      core::log_warning(line + " - repairing a change made outside hadirectord",
                        {{"HADIRECTOR_EVENT", "ipvs-drift"}});
    } else {
      core::log_info(line, {{"HADIRECTOR_EVENT", "ipvs-op"}});
    }
  }
  std::set<std::string> errors(report.errors.begin(), report.errors.end());
  for (const auto& e : errors) {
    if (!reported_errors_.contains(e))
      core::log_warning("ipvs: " + e + "; will retry at the next change or drift check",
                        {{"HADIRECTOR_EVENT", "ipvs-error"}});
  }
  reported_errors_ = std::move(errors);
  // A failed sync is retried by the drift check; remembering it as applied would stop that.
  if (report.errors.empty()) {
    applied_ = desired_;
  } else {
    applied_.reset();
  }
  schedule_deadline();
}

void CheckerIpvs::schedule_deadline() {
  auto when = reconciler_->next_deadline();
  if (!when) {
    deadline_timer_.cancel();
    return;
  }
  deadline_timer_ = scheduler_.schedule_at(*when, [this] { sync("deadline"); });
}

}  // namespace hadirector::daemon
