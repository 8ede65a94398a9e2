// The VRRP worker's module: one vrrp::VrrpInstance per configured instance on the real kernel
// doors (raw VRRP sockets, rtnetlink addresses and link monitor, packet GARP/NA sender), their
// tracking (scripts, files, interfaces, virtual-server health relayed from the checker
// worker), notify scripts, sync groups, the event stream and the status JSON. A reload applies
// only the difference: unchanged instances are not touched. The kernel doors can be injected.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/child_process.h"
#include "daemon/vrrp_module_demotions.h"
#include "daemon/worker_module.h"
#include "vrrp/child_launcher.h"
#include "vrrp/file_monitor.h"
#include "vrrp/instance.h"
#include "vrrp/notify.h"
#include "vrrp/script_monitor.h"
#include "vrrp/sync_group.h"
#include "vrrp/tracking.h"

namespace hadirector::daemon {

// The doors the module works through; production opens the real ones (open_vrrp_io()).
struct VrrpIo {
  std::unique_ptr<vrrp::AddressManager> addresses;
  std::unique_ptr<vrrp::LinkMonitor> links;
  std::unique_ptr<vrrp::GratuitousSender> gratuitous;
  vrrp::VrrpSocketRegistry::Opener open_socket;
  std::unique_ptr<vrrp::VmacManager> vmac;            // for `vmac: true` instances
  vrrp::VrrpSocketRegistry::Opener open_send_socket;  // send-only, for a VMAC
  vrrp::ChildLauncher launcher;
};

core::Result<VrrpIo> open_vrrp_io(core::EventLoop& loop, core::ChildRunner& runner);
// "2026-11-22T10:00:00.123Z", for the event stream.
std::string iso_time_now();

class VrrpModule final : public WorkerModule {
 public:
  explicit VrrpModule(WorkerContext ctx);
  VrrpModule(WorkerContext ctx, VrrpIo io);
  ~VrrpModule() override;

  core::Status configure(const config::Config& config) override;
  // Instances are compared with the ones running: removed, changed (updated in place when
  // their identity holds) and added.
  core::Status reconfigure(const config::Config& new_config) override;
  nlohmann::json status() const override;
  void on_relay(const std::string& from, const nlohmann::json& payload) override;
  // `demote` / `restore` INSTANCE (vrrp_module_commands.cc).
  nlohmann::json command(const nlohmann::json& request) override;
  void stop(std::function<void()> done) override;

  const vrrp::VrrpInstance* instance(const std::string& name) const;
  // Whether an operator demotion is in effect for `name` (never for an owner).
  bool demoted(const std::string& name) const;

 private:
  // Tells the checker worker every instance's state (it runs the IPVS sync daemon's role).
  void relay_states();
  void send_states();
  struct InstanceChanges {
    std::vector<std::string> removed, changed, added;
  };
  // What turns the running instances into `next` (each running one holds its configuration).
  InstanceChanges changes_to(const std::vector<config::VrrpInstance>& next) const;
  struct Entry {
    std::unique_ptr<vrrp::NotifyQueue> notify;  // made by the first notify script to run
    std::unique_ptr<vrrp::InstanceTracking> tracking;  // none when the instance tracks nothing
    std::unique_ptr<vrrp::VrrpInstance> instance;
  };
  core::Status ensure_io();
  void add_instance(const config::VrrpInstance& cfg);
  void remove_instance(const std::string& name);
  void attach_tracking(Entry& entry);
  // Hands tracking to the instance, replaced by the demotion weight while demoted.
  void push_tracking(vrrp::VrrpInstance& instance, const vrrp::TrackingResult& result);
  void open_demotions(const config::Config& config);
  bool demotion_applies(const vrrp::InstanceSettings& config) const;
  nlohmann::json set_demoted(const std::string& name, bool on);
  void apply_scripts(const config::Config& config);
  void apply_files(const config::Config& config);
  void apply_groups();
  void on_transition(const vrrp::TransitionRecord& record);
  void apply_realtime(bool realtime);
  void wait_for_notify(std::function<void()> done, core::TimePoint deadline);

  WorkerContext ctx_;
  core::ChildRunner runner_;
  VrrpIo io_;
  std::unique_ptr<vrrp::VrrpSocketRegistry> sockets_;
  std::optional<core::RateLimitedLog> late_timer_log_;  // one for every instance (InstanceDeps)
  std::optional<vrrp::InstanceDeps> deps_;  // every instance's doors, held by reference
  // The settings consulted after configure (global, scripts, sync groups): without the
  // instances, which keep their own configuration (a second copy was ~600 KB at 1,000).
  config::Config config_;
  std::vector<std::string> order_;  // instance names in configuration order, for the status
  // The instances whose state the checker worker acts on (a virtual server's or the sync
  // daemon's follow_instance): only those are relayed, not a thousand it would keep (~110 KB).
  std::set<std::string> followed_;
  vrrp::TrackedStates states_;
  std::map<std::string, std::unique_ptr<vrrp::ScriptMonitor>> scripts_;
  std::unique_ptr<vrrp::FileMonitor> files_;
  std::map<std::string, Entry> instances_;
  DemotionStore demotions_;
  std::unique_ptr<vrrp::SyncGroups> groups_;
  bool realtime_ = false;
  core::Handle stop_poll_;
  core::Handle relay_soon_;  // a coalesced relay_states() is due
};

}  // namespace hadirector::daemon
