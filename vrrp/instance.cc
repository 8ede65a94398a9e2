// VrrpInstance: lifecycle, the state machine's actions, timers and transition reporting. The
// socket, VIP and link shell is in instance_io.cc.
#include "vrrp/instance.h"

#include <algorithm>
#include <set>
#include <span>

#include "vrrp/io/address_convert.h"
#include "vrrp/priority.h"

namespace hadirector::vrrp {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

// A timer that fires this much after its deadline is logged: the loop was blocked or starved.
constexpr std::chrono::milliseconds kLateTimer{20};

// Adverts of many instances share wake-ups: an advert deadline moves to the nearest point of
// a grid common to every instance, 1/100 of the interval apart (at most 10 ms). 1,000 instances
// at 1 s then wake the worker about 100 times a second rather than 1,000. Rounding to the
// nearest point keeps the mean interval exact; an advert up to 0.5 % early or late changes
// nothing for a backup, whose Master_Down_Interval is over three intervals (RFC 5798 §6.1).
core::TimePoint on_advert_grid(core::TimePoint deadline, std::chrono::microseconds interval) {
  const core::Duration grid =
      std::min<core::Duration>(interval / 100, std::chrono::milliseconds(10));
  if (grid <= core::Duration::zero()) return deadline;
  const core::Duration since = deadline.time_since_epoch();
  return core::TimePoint((since + grid / 2) / grid * grid);
}

}  // namespace

std::string reason_code(Reason reason) {
  std::string code = reason_name(reason);
  std::replace(code.begin(), code.end(), '-', '_');
  return code;
}

const std::string* interned_reason(const std::string& reason) {
  // A dozen codes at most; a set's nodes never move. The VRRP worker is one thread.
  static std::set<std::string, std::less<>> codes;
  return &*codes.insert(reason).first;
}

VrrpInstance::VrrpInstance(const config::VrrpInstance& config, const InstanceDeps& deps)
    : config_(config), deps_(deps) {
  machine_.emplace(machine_params());
  receive_ = receive_params();
}

VrrpInstance::~VrrpInstance() { stop_timers(); }

int VrrpInstance::effective_priority() const {
  const int weights[] = {tracking_weight_};
  return vrrp::effective_priority(config_.priority, weights);
}

StateMachineParams VrrpInstance::machine_params() const {
  StateMachineParams p;
  p.version = config_.version;
  p.priority = effective_priority();
  p.advert_interval = config_.advert_interval;
  p.preempt = config_.preempt;
  p.preempt_delay = config_.preempt_delay;
  p.accept_mode = config_.accept;
  p.in_sync_group = in_sync_group_;
  if (source_) p.primary_address = *source_;
  return p;
}

ReceiveParams VrrpInstance::receive_params() const {
  ReceiveParams p;
  p.version = static_cast<uint8_t>(config_.version);
  p.family = config_.family == AF_INET6 ? Family::kIpv6 : Family::kIpv4;
  p.vrid = static_cast<uint8_t>(config_.vrid);
  p.local_priority = static_cast<uint8_t>(effective_priority());
  p.advert_interval = config_.advert_interval;
  for (const auto& vip : config_.virtual_addresses)
    p.virtual_addresses.push_back(to_vrrp_address(vip.addr));
  p.checksum = config_.checksum_pseudo_header ? ChecksumPolicy::kPseudoHeaderOnly
                                              : ChecksumPolicy::kMessageOnlyOnly;
  if (config_.unicast()) {
    p.unicast = true;
    for (const auto& peer : config_.unicast()->peers)
      p.unicast_peers.push_back(to_vrrp_address(peer));
  }
  apply_auth(p);
  if (config_.auth_password()) {
    p.auth_type = AuthType::kSimpleText;
    std::copy_n(config_.auth_password()->begin(),
                std::min(config_.auth_password()->size(), p.auth_password.size()),
                p.auth_password.begin());
  }
  return p;
}

void VrrpInstance::start() {
  if (started_) return;
  started_ = true;
  link_sub_ = deps_.links.on_any_change([this](const LinkState* l, const AddressChange* c) {
    if (l) return on_link(*l);
    if (!c) return refresh_source_soon();  // a resync: addresses may have changed unseen
    // Only a first address or the loss of ours can change the source (the kernel lists a new
    // address after the primary, or as secondary); VIPs come and go without a lookup.
    const bool matters =
        c->added ? !source_ : source_ && to_vrrp_address(c->prefix.addr) == *source_;
    if (c->ifindex == ifindex_ && !config_.unicast() && matters) refresh_source_soon();
  });
  if (!bind()) {
    link_up_ = false;
    fresh_machine();
    feed(Startup{});
    return;
  }
  const bool leftovers = vips_present();
  if (leftovers && (config_.preempt || config_.priority == kPriorityOwner)) {
    // A restarted worker: the VIPs say we were MASTER a moment ago. Take the role back at once
    // so the peers hear us before their Master_Down_Interval ends (no failover, no duplicate).
    rebuild(State::kMaster);
    report(State::kInitialize, machine_->state(), "resume");
    return;
  }
  if (leftovers) remove_vips(config_.virtual_addresses);
  feed(Startup{});
}

void VrrpInstance::stop() {
  if (!started_) return;
  feed(Shutdown{});
  if (burst_) burst_->stop();
  release_vmac();
  stop_timers();
  socket_sub_.cancel();
  link_sub_.cancel();
  source_refresh_.cancel();
  started_ = false;
}

const std::optional<LinkInfo>& VrrpInstance::vmac_link() const {
  static const std::optional<LinkInfo> none;
  return vmac_ ? vmac_->link : none;
}

core::RateLimitedLog& VrrpInstance::drop_log() {
  if (!drop_log_)
    drop_log_ = std::make_unique<core::RateLimitedLog>(deps_.scheduler, 5, std::chrono::seconds(10));
  return *drop_log_;
}

void VrrpInstance::use_vmac(VmacManager& manager, VrrpSocketRegistry::Opener open_send_socket) {
  if (!vmac_) vmac_ = std::make_unique<Vmac>();
  vmac_->manager = &manager;
  vmac_->open_socket = std::move(open_send_socket);
}

void VrrpInstance::set_tracking(int weight_sum, bool fault) {
  const int before = effective_priority();
  const bool was_faulted = tracking_fault_ || group_fault_;
  tracking_weight_ = weight_sum;
  tracking_fault_ = fault;
  const int now = effective_priority();
  if (now != before) {
    receive_.local_priority = static_cast<uint8_t>(now);
    feed(PriorityChanged{now});
  }
  const bool faulted = tracking_fault_ || group_fault_;
  if (faulted != was_faulted) faulted ? feed(FaultSet{}) : feed(FaultCleared{});
}

void VrrpInstance::set_group_fault(bool fault) {
  const bool was_faulted = tracking_fault_ || group_fault_;
  group_fault_ = fault;
  const bool faulted = tracking_fault_ || group_fault_;
  if (faulted != was_faulted) faulted ? feed(FaultSet{}) : feed(FaultCleared{});
}

void VrrpInstance::set_sync_group(bool in_group, WantMasterFn want) {
  want_master_ = want ? std::make_unique<WantMasterFn>(std::move(want)) : nullptr;
  if (in_group == in_sync_group_) return;
  in_sync_group_ = in_group;
  feed(SyncGroupMembership{in_group});
}

void VrrpInstance::follow_master() { feed(GroupMaster{}); }

void VrrpInstance::follow_backup() { feed(GroupBackup{}); }

bool VrrpInstance::same_identity(const config::VrrpInstance& next) const {
  return next.interface == config_.interface && next.vrid == config_.vrid &&
         next.family == config_.family && next.vmac == config_.vmac &&
         next.unicast.has_value() == config_.unicast().has_value();
}

void VrrpInstance::update(const config::VrrpInstance& next) {
  const InstanceSettings old = std::exchange(config_, InstanceSettings(next));
  receive_ = receive_params();
  const bool master = machine_->state() == State::kMaster;
  // VIPs: only the difference, and only while we hold them.
  std::vector<config::IpPrefix> added, removed;
  for (const auto& v : next.virtual_addresses)
    if (std::ranges::find(old.virtual_addresses, v) == old.virtual_addresses.end())
      added.push_back(v);
  for (const auto& v : old.virtual_addresses)
    if (std::ranges::find(next.virtual_addresses, v) == next.virtual_addresses.end())
      removed.push_back(v);
  if (master) {
    remove_vips(removed);
    add_vips(added);
    announce(added);
  }
  if (config_.unicast() &&
      config_.unicast()->source != (old.unicast() ? old.unicast()->source : std::nullopt))
    refresh_source();
  const bool protocol_changed =
      old.version != next.version || old.advert_interval != next.advert_interval ||
      old.preempt != next.preempt || old.preempt_delay != next.preempt_delay ||
      old.accept != next.accept;
  if (protocol_changed && started_) {
    rebuild(machine_->state());
    return;
  }
  if (machine_->priority() != effective_priority()) feed(PriorityChanged{effective_priority()});
  if (master && (!added.empty() || !removed.empty())) send_advert(machine_->priority());
}

void VrrpInstance::rebuild(State target) {
  stop_timers();
  hide_transitions_ = true;
  fresh_machine();
  if (target != State::kInitialize) feed(Startup{});
  if (target == State::kMaster && machine_->state() == State::kBackup) feed(GroupMaster{});
  hide_transitions_ = false;
}

void VrrpInstance::fresh_machine() {
  machine_.emplace(machine_params());
  if (!link_up_) feed(InterfaceDown{});
  if (tracking_fault_ || group_fault_) feed(FaultSet{});
}

// An event raised while the actions of another are executing (a sync group reacting to our
// transition, say) waits until those actions are done, so the machine's outputs never interleave.
void VrrpInstance::feed(const Event& event) {
  if (feeding_) {
    pending_.push_back(event);
    return;
  }
  feeding_ = true;
  // In order: events the actions feed back are appended and handled in turn.
  const Output first = machine_->handle(event);
  for (const Action& action : first.actions) execute(action);
  for (size_t i = 0; i < pending_.size(); ++i) {
    const Event next = pending_[i];
    Output out = machine_->handle(next);
    for (const Action& action : out.actions) execute(action);
  }
  pending_.clear();
  feeding_ = false;
}

void VrrpInstance::execute(const Action& action) {
  std::visit(Overloaded{
                 [&](const SendAdvert& a) { send_advert(a.priority); },
                 [&](const StartAdverTimer& a) {
                   const core::TimePoint due = deps_.scheduler.now() + a.interval;
                   start_timer(advert_timer_, on_advert_grid(due, a.interval));
                 },
                 [&](const StartMasterDownTimer& a) {
                   start_timer(master_down_timer_, deps_.scheduler.now() + a.interval);
                 },
                 [&](const StartPreemptDelayTimer& a) {
                   if (!preempt_timer_) preempt_timer_ = std::make_unique<Timer>();
                   start_timer(*preempt_timer_, deps_.scheduler.now() + a.delay);
                 },
                 [&](const StopPreemptDelayTimer&) {
                   if (preempt_timer_) preempt_timer_->cancel();
                 },
                 [&](const StopTimers&) { stop_timers(); },
                 [&](const AddVips&) { add_vips(config_.virtual_addresses); },
                 [&](const RemoveVips&) {
                   if (burst_) burst_->stop();
                   remove_vips(config_.virtual_addresses);
                 },
                 [&](const SendGratuitous&) { announce(config_.virtual_addresses); },
                 [&](const WantMaster&) {
                   if (want_master_) (*want_master_)(config_.name);
                 },
                 [&](const Transition& t) { on_transition(t); },
             },
             action);
}

Event VrrpInstance::timer_event(const Timer& timer) const {
  if (&timer == &advert_timer_) return AdverTimerFired{};
  if (&timer == &master_down_timer_) return MasterDownTimerFired{};
  return PreemptDelayElapsed{};
}

void VrrpInstance::start_timer(Timer& timer, core::TimePoint deadline) {
  timer.deadline = deadline;
  timer.handle = deps_.scheduler.schedule_at(deadline, [this, t = &timer] {
    const auto late = deps_.scheduler.now() - t->deadline;
    if (late > kLateTimer) {
      ++counters_.late_timers;
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(late).count();
      (deps_.late_timer_log ? *deps_.late_timer_log : drop_log()).log(
          core::LogLevel::kWarning, "late-timer",
          "vrrp instance " + config_.name + ": timer fired " + std::to_string(ms) + " ms late",
          {{"HADIRECTOR_INSTANCE", config_.name}, {"HADIRECTOR_EVENT", "vrrp-late-timer"}});
    }
    feed(timer_event(*t));
  });
}

void VrrpInstance::stop_timers() {
  advert_timer_.cancel();
  master_down_timer_.cancel();
  if (preempt_timer_) preempt_timer_->cancel();
}

void VrrpInstance::on_transition(const Transition& t) {
  if (t.to == State::kMaster) {
    ++counters_.became_master;
    master_address_ = source_;
  } else if (t.from == State::kMaster || t.to != State::kBackup) {
    master_address_.reset();
  }
  if (hide_transitions_) return;
  report(t.from, t.to, reason_code(t.reason));
}

void VrrpInstance::report(State from, State to, const std::string& reason) {
  if (from == to) return;
  TransitionRecord record{config_.name,         from, to, reason, machine_->priority(),
                          deps_.scheduler.now()};
  const std::string* code = interned_reason(reason);
  auto& counts = counters_.transitions;
  auto it = std::ranges::find(counts, code, &InstanceCounters::ReasonCount::reason);
  if (it == counts.end()) {
    counts.push_back({code, 1});
  } else {
    ++it->count;
  }
  counters_.last_transition = InstanceCounters::Last{from, to, code};
  const std::string msg = "vrrp instance " + config_.name + ": " + state_name(from) + " -> " +
                          state_name(to) + " (" + reason + ")";
  core::log_notice(
      msg, {{"HADIRECTOR_INSTANCE", config_.name}, {"HADIRECTOR_EVENT", "vrrp-transition"}});
  if (deps_.on_transition) deps_.on_transition(record);
}

}  // namespace hadirector::vrrp
