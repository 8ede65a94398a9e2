#include "daemon/vrrp_module.h"

#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>

#include "daemon/core/log.h"
#include "daemon/json_fields.h"
#include "vrrp/io/netlink_address_manager.h"
#include "vrrp/io/netlink_link_monitor.h"
#include "vrrp/io/packet_gratuitous_sender.h"
#include "vrrp/io/raw_vrrp_socket.h"
#include "vrrp/io/vmac_manager.h"

namespace hadirector::daemon {

namespace {

vrrp::VrrpSocketRegistry::Opener socket_opener(core::EventLoop& loop, bool join_group) {
  return [&loop, join_group](
             int ifindex, vrrp::Family family) -> core::Result<std::unique_ptr<vrrp::VrrpSocket>> {
    auto s = vrrp::RawVrrpSocket::open(loop, ifindex, "ifindex " + std::to_string(ifindex), family,
                                       join_group);
    if (!s) return std::unexpected(s.error());
    return std::unique_ptr<vrrp::VrrpSocket>(std::move(*s));
  };
}

}  // namespace

core::Result<VrrpIo> open_vrrp_io(core::EventLoop& loop, core::ChildRunner& runner) {
  VrrpIo io;
  auto addresses = vrrp::NetlinkAddressManager::create();
  if (!addresses) return std::unexpected(addresses.error());
  auto links = vrrp::NetlinkLinkMonitor::create(loop);
  if (!links) return std::unexpected(links.error());
  auto garp = vrrp::PacketGratuitousSender::create();
  if (!garp) return std::unexpected(garp.error());
  io.addresses = std::move(*addresses);
  io.links = std::move(*links);
  io.gratuitous = std::move(*garp);
  io.open_socket = socket_opener(loop, /*join_group=*/true);
  auto vmac = vrrp::NetlinkVmacManager::create();
  if (!vmac) return std::unexpected(vmac.error());
  io.vmac = std::move(*vmac);
  io.open_send_socket = socket_opener(loop, /*join_group=*/false);
  io.launcher = [&runner](const core::ChildSpec& spec,
                          std::function<void(const core::ChildResult&)> done) {
    return runner.run(spec, std::move(done));
  };
  return io;
}

VrrpModule::VrrpModule(WorkerContext ctx) : ctx_(ctx), runner_(ctx.loop) {}

VrrpModule::VrrpModule(WorkerContext ctx, VrrpIo io)
    : ctx_(ctx), runner_(ctx.loop), io_(std::move(io)) {}

VrrpModule::~VrrpModule() { instances_.clear(); }

core::Status VrrpModule::ensure_io() {
  if (!io_.addresses) {
    auto io = open_vrrp_io(ctx_.loop, runner_);
    if (!io) return std::unexpected(io.error());
    io_ = std::move(*io);
  }
  if (!sockets_) sockets_ = std::make_unique<vrrp::VrrpSocketRegistry>(io_.open_socket);
  if (!deps_) {
    late_timer_log_.emplace(ctx_.loop, 5, std::chrono::seconds(10));
    deps_.emplace(ctx_.loop, *sockets_, *io_.addresses, *io_.links, *io_.gratuitous,
                  [this](const vrrp::TransitionRecord& r) { on_transition(r); },
                  &*late_timer_log_);
  }
  if (!groups_)
    groups_ = std::make_unique<vrrp::SyncGroups>(io_.launcher, [this](const std::string& n) {
      auto it = instances_.find(n);
      return it == instances_.end() ? nullptr : it->second.instance.get();
    });
  if (!files_) {
    auto files = vrrp::FileMonitor::create(ctx_.loop, states_.files);
    if (!files) return std::unexpected(files.error());
    files_ = std::move(*files);
  }
  return {};
}

namespace {

config::Config settings_of(const config::Config& c) {
  config::Config s;
  s.global = c.global;
  s.vrrp.realtime = c.vrrp.realtime;
  s.vrrp.scripts = c.vrrp.scripts;
  s.vrrp.sync_groups = c.vrrp.sync_groups;
  return s;
}

std::vector<std::string> names_of(const std::vector<config::VrrpInstance>& instances) {
  std::vector<std::string> names;
  names.reserve(instances.size());
  for (const auto& i : instances) names.push_back(i.name);
  return names;
}

// What the checker worker follows (checker_engine.cc, checker_sync.cc).
std::set<std::string> followed_by_checker(const config::Config& c) {
  std::set<std::string> names;
  for (const auto& vs : c.virtual_servers)
    if (vs.follow_instance) names.insert(*vs.follow_instance);
  if (c.sync && c.sync->mode == config::SyncMode::kFollowInstance)
    names.insert(c.sync->follow_instance);
  return names;
}

}  // namespace

core::Status VrrpModule::configure(const config::Config& config) {
  if (auto s = ensure_io(); !s) return s;
  config_ = settings_of(config);
  order_ = names_of(config.vrrp.instances);
  followed_ = followed_by_checker(config);
  apply_realtime(config.vrrp.realtime);
  apply_scripts(config);
  apply_files(config);
  open_demotions(config);
  for (const auto& cfg : config.vrrp.instances) add_instance(cfg);
  apply_groups();
  for (auto& [name, entry] : instances_) entry.instance->start();
  return {};
}

core::Status VrrpModule::reconfigure(const config::Config& new_config) {
  const InstanceChanges diff = changes_to(new_config.vrrp.instances);
  const bool was_realtime = config_.vrrp.realtime;
  config_ = settings_of(new_config);
  order_ = names_of(new_config.vrrp.instances);
  open_demotions(new_config);
  if (new_config.vrrp.realtime != was_realtime) apply_realtime(new_config.vrrp.realtime);
  apply_scripts(new_config);
  apply_files(new_config);
  for (const auto& name : diff.removed) remove_instance(name);
  std::vector<std::string> to_start;
  for (const auto& name : diff.changed) {
    auto it = std::ranges::find(new_config.vrrp.instances, name, &config::VrrpInstance::name);
    auto entry = instances_.find(name);
    if (it == new_config.vrrp.instances.end() || entry == instances_.end()) continue;
    if (entry->second.instance->same_identity(*it)) {
      entry->second.instance->update(*it);
    } else {
      remove_instance(name);
      add_instance(*it);
      to_start.push_back(name);
    }
  }
  for (const auto& name : diff.added) {
    auto it = std::ranges::find(new_config.vrrp.instances, name, &config::VrrpInstance::name);
    if (it == new_config.vrrp.instances.end()) continue;
    add_instance(*it);
    to_start.push_back(name);
  }
  // Script weights or tracking lists may have changed: re-derive every instance's tracking
  // (an unchanged result changes nothing).
  for (auto& [name, entry] : instances_) attach_tracking(entry);
  apply_groups();
  for (const auto& name : to_start) instances_.at(name).instance->start();
  // A newly followed instance may not change state for a long time: tell the checker now.
  if (auto followed = followed_by_checker(new_config); followed != followed_) {
    followed_ = std::move(followed);
    relay_states();
  }
  return {};
}

VrrpModule::InstanceChanges VrrpModule::changes_to(
    const std::vector<config::VrrpInstance>& next) const {
  InstanceChanges out;
  for (const auto& [name, entry] : instances_)
    if (std::ranges::find(next, name, &config::VrrpInstance::name) == next.end())
      out.removed.push_back(name);
  for (const auto& cfg : next) {
    auto it = instances_.find(cfg.name);
    if (it == instances_.end()) {
      out.added.push_back(cfg.name);
    } else if (!it->second.instance->config().matches(cfg)) {
      out.changed.push_back(cfg.name);
    }
  }
  return out;
}

void VrrpModule::add_instance(const config::VrrpInstance& cfg) {
  Entry entry;
  entry.instance = std::make_unique<vrrp::VrrpInstance>(cfg, *deps_);
  if (cfg.vmac && io_.vmac) entry.instance->use_vmac(*io_.vmac, io_.open_send_socket);
  attach_tracking(entry);
  instances_.insert_or_assign(cfg.name, std::move(entry));
}

void VrrpModule::attach_tracking(Entry& entry) {
  vrrp::VrrpInstance* instance = entry.instance.get();
  // Nothing tracked, the usual case at scale: no tracker, whose four subscriptions cost ~750
  // bytes per instance (its result would be the neutral one).
  if (instance->config().track() == config::Track{}) {
    entry.tracking.reset();
    push_tracking(*instance, {});
    return;
  }
  entry.tracking = std::make_unique<vrrp::InstanceTracking>(
      instance->config().track(), config_.vrrp.scripts, *io_.links, states_,
      [this, instance](const vrrp::TrackingResult& r) { push_tracking(*instance, r); });
  push_tracking(*instance, entry.tracking->result());
}

void VrrpModule::remove_instance(const std::string& name) {
  auto it = instances_.find(name);
  if (it == instances_.end()) return;
  it->second.instance->stop();
  instances_.erase(it);
}

void VrrpModule::apply_scripts(const config::Config& config) {
  std::erase_if(scripts_, [&](const auto& entry) {
    auto it = std::ranges::find(config.vrrp.scripts, entry.first, &config::VrrpScript::name);
    const bool keep = it != config.vrrp.scripts.end() && *it == entry.second->config();
    if (!keep && it == config.vrrp.scripts.end()) states_.scripts.erase(entry.first);
    return !keep;
  });
  for (const auto& script : config.vrrp.scripts) {
    if (scripts_.contains(script.name)) continue;
    auto monitor = std::make_unique<vrrp::ScriptMonitor>(script, config.global.script_user,
                                                         ctx_.loop, io_.launcher, states_.scripts);
    monitor->start();
    scripts_.emplace(script.name, std::move(monitor));
  }
}

void VrrpModule::apply_files(const config::Config& config) {
  std::vector<std::string> paths;
  for (const auto& i : config.vrrp.instances)
    for (const auto& f : i.track.files)
      if (std::ranges::find(paths, f.path) == paths.end()) paths.push_back(f.path);
  files_->set_paths(paths);
}

void VrrpModule::apply_groups() {
  groups_->configure(config_.vrrp.sync_groups, config_.global.script_user);
}

void VrrpModule::on_transition(const vrrp::TransitionRecord& r) {
  if (ctx_.emit_event) {
    ctx_.emit_event({{"kind", "vrrp"},
                     {"instance", r.instance},
                     {"from", vrrp::state_name(r.from)},
                     {"to", vrrp::state_name(r.to)},
                     {"reason", r.reason},
                     {"priority", r.priority},
                     {"time", iso_time_now()}});
  }
  auto it = instances_.find(r.instance);
  if (it != instances_.end()) {
    Entry& entry = it->second;
    for (auto& argv : vrrp::notify_commands(entry.instance->config().notify(), "INSTANCE",
                                            r.instance, r.to, r.priority)) {
      if (!entry.notify) entry.notify = std::make_unique<vrrp::NotifyQueue>(io_.launcher);
      entry.notify->push(std::move(argv), config_.global.script_user);
    }
  }
  groups_->on_transition(r);
  if (followed_.contains(r.instance)) relay_states();
}

// Transitions come in bursts (a sync group, a thousand instances after a partition): one message
// per burst with the state of every followed instance, not one per transition. The checker acts
// on it (sync daemon role, follow_instance) a few milliseconds later at most.
void VrrpModule::relay_states() {
  constexpr std::chrono::milliseconds kCoalesce{5};
  if (!ctx_.relay || relay_soon_) return;
  relay_soon_ = ctx_.loop.schedule_after(kCoalesce, [this] {
    relay_soon_ = core::Handle();
    send_states();
  });
}

void VrrpModule::send_states() {
  nlohmann::json states = nlohmann::json::object();
  for (const auto& name : followed_)
    if (const vrrp::VrrpInstance* i = instance(name)) states[name] = vrrp::state_name(i->state());
  if (!states.empty()) ctx_.relay("checker", {{"vrrp_states", states}});
}

void VrrpModule::on_relay(const std::string& from, const nlohmann::json& payload) {
  // A restarted checker worker (it follows our states for the IPVS sync daemon) asks again.
  if (from == "supervisor" && json_string(payload, "peer_started") == "checker")
    return relay_states();
  if (from != "checker" || !payload.is_object()) return;
  auto health = payload.find("virtual_server_health");
  if (health == payload.end() || !health->is_object()) return;
  for (const auto& [name, ok] : health->items())
    if (ok.is_boolean()) states_.virtual_servers.set(name, ok.get<bool>());
}

void VrrpModule::stop(std::function<void()> done) {
  for (auto& [name, entry] : instances_) entry.instance->stop();
  scripts_.clear();
  wait_for_notify(std::move(done), ctx_.loop.now() + std::chrono::seconds(5));
}

// Stop notify scripts get a bounded time to finish before the worker exits.
void VrrpModule::wait_for_notify(std::function<void()> done, core::TimePoint deadline) {
  const bool busy = groups_->notify_busy() || std::ranges::any_of(instances_, [](const auto& e) {
                      const auto& n = e.second.notify;
                      return n && (n->busy() || n->queued() > 0);
                    });
  if (!busy || ctx_.loop.now() >= deadline) {
    done();
    return;
  }
  stop_poll_ = ctx_.loop.schedule_after(
      std::chrono::milliseconds(20), [this, done, deadline] { wait_for_notify(done, deadline); });
}

void VrrpModule::apply_realtime(bool realtime) {
  if (!realtime || realtime_) return;
  sched_param param{};
  param.sched_priority = 10;
  if (sched_setscheduler(0, SCHED_RR, &param) != 0)
    core::log_warning(std::string("vrrp realtime: SCHED_RR not permitted: ") +
                      std::strerror(errno) + "; running with normal scheduling");
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
    core::log_warning(std::string("vrrp realtime: mlockall failed: ") + std::strerror(errno) +
                      "; memory stays pageable");
  realtime_ = true;
}

const vrrp::VrrpInstance* VrrpModule::instance(const std::string& name) const {
  auto it = instances_.find(name);
  return it == instances_.end() ? nullptr : it->second.instance.get();
}

}  // namespace hadirector::daemon
