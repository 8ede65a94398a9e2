#include "daemon/checker_ipvs.h"

#include "daemon/core/log.h"

namespace hadirector::daemon {
namespace {

// A start with more operations than this logs one summary line instead of one per operation.
constexpr size_t kStartOpsLoggedEach = 100;

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

void CheckerIpvs::update(std::vector<ipvs::DesiredService> desired,
                         std::vector<ipvs::Service> withdrawn) {
  desired_ = std::move(desired);
  withdrawn_ = std::move(withdrawn);
  if (reconciler_ && (!applied_ || *applied_ != desired_ || applied_withdrawn_ != withdrawn_))
    sync("change");
}

void CheckerIpvs::sync(const char* why) {
  const bool drift = std::string_view(why) == "drift";
  if (drift) {
    drift_timer_ = scheduler_.schedule_after(timing_.drift_check, [this] { sync("drift"); });
  }
  // Only the periodic drift check pays for reading the whole owned table back.
  const bool from_kernel = drift || std::string_view(why) == "start";
  const auto start = std::chrono::steady_clock::now();
  ipvs::SyncReport report =
      reconciler_->sync(desired_, scheduler_.now(), withdrawn_,
                        from_kernel ? ipvs::ReadMode::kKernel : ipvs::ReadMode::kCached);
  core::log_debug(std::string("ipvs sync (") + why + "): " + std::to_string(report.applied.size()) +
                  " operations in " +
                  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - start)
                                     .count()) +
                  " ms");
  // Programming 40,000 real servers from empty would log as many lines (about a second of
  // the start in the VM): a large start says it in one line, each operation at debug level.
  const bool summarize = !drift && std::string_view(why) == "start" &&
                         report.applied.size() > kStartOpsLoggedEach;
  if (summarize)
    core::log_info("ipvs: programmed " + std::to_string(report.applied.size()) +
                       " operations at start (each one at debug level)",
                   {{"HADIRECTOR_EVENT", "ipvs-op"}});
  const core::LogLevel level = summarize ? core::LogLevel::kDebug : core::LogLevel::kInfo;
  // Skip building the lines when nobody reads them.
  const bool log_ops = drift || core::log_enabled(level);
  for (const auto& op : report.applied) {
    if (!log_ops) break;
    const std::string line = "ipvs: " + op.describe();
    if (summarize) {
      core::log_debug(line);
    } else if (drift) {
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
    applied_withdrawn_ = withdrawn_;
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

std::map<std::string, CheckerIpvs::ServiceCounters> CheckerIpvs::counters() const {
  std::map<std::string, ServiceCounters> out;
  if (!client_) return out;
  auto services = client_->list_services();
  if (!services) {
    core::log_debug("ipvs counters: " + services.error().message());
    return out;
  }
  std::set<std::string> wanted;
  for (const auto& d : desired_) wanted.insert(d.service.name());
  for (auto& info : *services) {
    std::string name = info.service.name();
    if (!wanted.contains(name)) continue;
    auto dests = client_->list_destinations(info.service);
    if (!dests) continue;  // deleted meanwhile: left out, as documented
    out.emplace(std::move(name), ServiceCounters{std::move(info), std::move(*dests)});
  }
  return out;
}

}  // namespace hadirector::daemon
