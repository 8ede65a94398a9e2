// The checker worker's side of IPVS: opens the kernel client (and keeps retrying while the
// kernel has none, without ever stopping the worker), pushes each new desired table through
// the reconciler, re-reads the owned services periodically to repair outside changes, and logs
// every kernel operation. It does not decide weights (real_server_policy) or plan (reconciler).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/handle.h"
#include "daemon/core/result.h"
#include "daemon/core/scheduler.h"
#include "ipvs/ipvs_client.h"
#include "ipvs/reconciler.h"

namespace hadirector::daemon {

using namespace std::chrono_literals;

class CheckerIpvs {
 public:
  using Opener = std::function<core::Result<std::unique_ptr<ipvs::IpvsClient>>()>;
  struct Timing {
    core::Duration retry_open = 30s;  // while the kernel has no IPVS
    core::Duration drift_check = 30s;
  };

  CheckerIpvs(core::Scheduler& scheduler, Opener opener, Timing timing);

  // First attempt to open the client; on failure logs once and retries every retry_open.
  void start();
  // The table the daemon wants now, and the services it must not have (following a VRRP
  // instance that is not MASTER); applied at once when they differ from the last ones applied.
  void update(std::vector<ipvs::DesiredService> desired, std::vector<ipvs::Service> withdrawn = {});
  bool available() const { return reconciler_ != nullptr; }

  // Live kernel counters of the services this daemon wants now, by Service::name(). Read on
  // demand (status, metrics): one dump of the services and one per owned service. Empty while
  // IPVS is unavailable; a service missing from the kernel is missing here.
  struct ServiceCounters {
    ipvs::ServiceInfo service;
    std::vector<ipvs::DestinationInfo> destinations;
  };
  std::map<std::string, ServiceCounters> counters() const;
  // Called once with the client when IPVS becomes available (connection sync shares it).
  void set_on_available(std::function<void(ipvs::IpvsClient&)> fn) {
    on_available_ = std::move(fn);
  }

 private:
  void try_open(bool first);
  void sync(const char* why);
  void schedule_deadline();

  core::Scheduler& scheduler_;
  Opener opener_;
  Timing timing_;
  std::unique_ptr<ipvs::IpvsClient> client_;
  std::unique_ptr<ipvs::Reconciler> reconciler_;
  std::vector<ipvs::DesiredService> desired_;
  std::vector<ipvs::Service> withdrawn_;
  std::optional<std::vector<ipvs::DesiredService>> applied_;
  std::vector<ipvs::Service> applied_withdrawn_;
  std::set<std::string> reported_errors_;  // logged once until they stop happening
  core::Handle retry_timer_;
  core::Handle drift_timer_;
  core::Handle deadline_timer_;
  std::function<void(ipvs::IpvsClient&)> on_available_;
};

}  // namespace hadirector::daemon
