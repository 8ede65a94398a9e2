#include "vrrp/state_machine.h"

#include <algorithm>

#include "daemon/core/result.h"

namespace hadirector::vrrp {
namespace {

constexpr uint8_t kOwnerPriority = 255;  // RFC 5798 §5.2.4
constexpr uint8_t kStopPriority = 0;     // RFC 5798 §5.2.4: the master is leaving

}  // namespace

const char* state_name(State state) {
  switch (state) {
    case State::kInitialize:
      return "INIT";
    case State::kBackup:
      return "BACKUP";
    case State::kMaster:
      return "MASTER";
    case State::kFault:
      return "FAULT";
  }
  return "UNKNOWN";
}

const char* reason_name(Reason reason) {
  switch (reason) {
    case Reason::kStartup:
      return "startup";
    case Reason::kPriority255Owner:
      return "priority-255-owner";
    case Reason::kMasterDownTimer:
      return "master-down-timer";
    case Reason::kHigherPriorityAdvert:
      return "higher-priority-advert";
    case Reason::kEqualPriorityHigherAddress:
      return "equal-priority-higher-address";
    case Reason::kPreemptedLowerPriority:
      return "preempted-lower-priority";
    case Reason::kPriorityZeroReceived:
      return "priority-zero-received";
    case Reason::kShutdown:
      return "shutdown";
    case Reason::kInterfaceDown:
      return "interface-down";
    case Reason::kInterfaceUp:
      return "interface-up";
    case Reason::kFaultTracked:
      return "fault-tracked";
    case Reason::kFaultCleared:
      return "fault-cleared";
    case Reason::kSyncGroup:
      return "sync-group";
  }
  return "unknown";
}

microseconds skew_time(int version, int priority, microseconds master_adver_interval) {
  // VRRPv2's skew does not scale with the interval (RFC 3768 §6.1).
  const microseconds unit = version == 2 ? std::chrono::seconds(1) : master_adver_interval;
  return unit * (256 - priority) / 256;
}

microseconds master_down_interval(int version, int priority, microseconds master_adver_interval) {
  return 3 * master_adver_interval + skew_time(version, priority, master_adver_interval);
}

StateMachine::StateMachine(const StateMachineParams& params)
    : params_(params),
      priority_(std::clamp(params.priority, 1, 255)),
      master_adver_interval_(params.advert_interval) {
  HD_CHECK(params.version == 2 || params.version == 3);
}

microseconds StateMachine::skew_time() const {
  return vrrp::skew_time(params_.version, priority_, master_adver_interval_);
}

microseconds StateMachine::master_down_interval() const {
  return vrrp::master_down_interval(params_.version, priority_, master_adver_interval_);
}

Output StateMachine::handle(const Event& event) {
  Output out{state_, {}};
  std::visit([&](const auto& e) { on(e, out); }, event);
  out.state = state_;
  return out;
}

// RFC 5798 §6.4.1: wait for Startup.
void StateMachine::on(const Startup&, Output& out) {
  if (state_ != State::kInitialize) return;
  if (faulted()) {
    enter_fault(interface_up_ ? Reason::kFaultTracked : Reason::kInterfaceDown, out);
    return;
  }
  start(Reason::kStartup, out);
}

// RFC 5798 §6.4.2 / §6.4.3: cancel the timer; a master resigns with priority 0 so that a
// backup takes over after Skew_Time instead of Master_Down_Interval.
void StateMachine::on(const Shutdown&, Output& out) {
  if (state_ == State::kInitialize) return;
  out.actions.push_back(StopTimers{});
  if (state_ == State::kMaster) {
    out.actions.push_back(SendAdvert{kStopPriority});
    out.actions.push_back(RemoveVips{});
  }
  preempt_delay_running_ = false;
  preempt_delay_elapsed_ = false;
  transition(State::kInitialize, Reason::kShutdown, out);
}

void StateMachine::on(const AdvertReceived& advert, Output& out) {
  if (state_ == State::kBackup) backup_receives(advert, out);
  if (state_ == State::kMaster) master_receives(advert, out);
}

// RFC 5798 §6.4.2: the master went silent (or resigned, or we discarded its adverts because
// ours is the higher priority).
void StateMachine::on(const MasterDownTimerFired&, Output& out) {
  if (state_ != State::kBackup) return;  // a stale expiry
  if (params_.in_sync_group) {
    // Prefer BACKUP: take over only when every member wants to, so a group is never split.
    wants_master_ = true;
    out.actions.push_back(WantMaster{});
    return;
  }
  become_master(takeover_reason_, out);
}

// RFC 5798 §6.4.3.
void StateMachine::on(const AdverTimerFired&, Output& out) {
  if (state_ != State::kMaster) return;
  out.actions.push_back(SendAdvert{static_cast<uint8_t>(priority_)});
  out.actions.push_back(StartAdverTimer{params_.advert_interval});
}

void StateMachine::on(const InterfaceUp&, Output& out) {
  interface_up_ = true;
  if (state_ == State::kFault && !faulted()) start(Reason::kInterfaceUp, out);
}

void StateMachine::on(const InterfaceDown&, Output& out) {
  interface_up_ = false;
  if (state_ == State::kBackup || state_ == State::kMaster)
    enter_fault(Reason::kInterfaceDown, out);
}

void StateMachine::on(const FaultSet&, Output& out) {
  fault_tracked_ = true;
  if (state_ == State::kBackup || state_ == State::kMaster) enter_fault(Reason::kFaultTracked, out);
}

void StateMachine::on(const FaultCleared&, Output& out) {
  fault_tracked_ = false;
  if (state_ == State::kFault && !faulted()) start(Reason::kFaultCleared, out);
}

// Tracking changed our priority. A master says so at once, so that a backup that now outranks
// it preempts (or one that it now outranks stops waiting) without waiting for the next advert.
void StateMachine::on(const PriorityChanged& change, Output& out) {
  const int priority = std::clamp(change.priority, 1, 255);
  if (priority == priority_) return;
  priority_ = priority;
  if (state_ == State::kMaster) {
    out.actions.push_back(SendAdvert{static_cast<uint8_t>(priority_)});
    out.actions.push_back(StartAdverTimer{params_.advert_interval});
  }
}

// The preempt delay is over: if a lower-priority master is still in charge, take over after
// Skew_Time (so that several backups still take over in priority order).
void StateMachine::on(const PreemptDelayElapsed&, Output& out) {
  if (!preempt_delay_running_) return;  // a stale expiry
  preempt_delay_running_ = false;
  preempt_delay_elapsed_ = true;
  if (state_ == State::kBackup && preempts() && last_master_priority_ < priority_) {
    takeover_reason_ = Reason::kPreemptedLowerPriority;
    out.actions.push_back(StartMasterDownTimer{skew_time()});
  }
}

void StateMachine::on(const SyncGroupMembership& membership, Output& out) {
  params_.in_sync_group = membership.in_group;
  // Released from the group while waiting for it: take over as the timer asked.
  if (!membership.in_group && wants_master_ && state_ == State::kBackup)
    become_master(takeover_reason_, out);
}

void StateMachine::on(const GroupMaster&, Output& out) {
  if (state_ != State::kBackup) return;
  become_master(wants_master_ ? takeover_reason_ : Reason::kSyncGroup, out);
}

void StateMachine::on(const GroupBackup&, Output& out) {
  if (state_ == State::kMaster) become_backup(Reason::kSyncGroup, out);
}

// RFC 5798 §6.4.2, "If an ADVERTISEMENT is received".
void StateMachine::backup_receives(const AdvertReceived& advert, Output& out) {
  if (advert.priority == kStopPriority) {
    takeover_reason_ = Reason::kPriorityZeroReceived;
    out.actions.push_back(StartMasterDownTimer{skew_time()});
    return;
  }
  last_master_priority_ = advert.priority;
  const bool lower = advert.priority < priority_;
  if (lower && preempts()) {
    const bool hold = params_.preempt_delay.count() > 0 && !preempt_delay_elapsed_;
    if (!hold) {
      // Discard: the master-down timer runs out and we take over.
      takeover_reason_ = Reason::kPreemptedLowerPriority;
      return;
    }
    if (!preempt_delay_running_) {
      preempt_delay_running_ = true;
      out.actions.push_back(StartPreemptDelayTimer{params_.preempt_delay});
    }
  } else {
    reset_preempt_delay(out);
  }
  learn_interval(advert.max_adver_interval);
  takeover_reason_ = Reason::kMasterDownTimer;
  wants_master_ = false;  // a master we accept has spoken
  out.actions.push_back(StartMasterDownTimer{master_down_interval()});
}

// RFC 5798 §6.4.3, "If an ADVERTISEMENT is received", with RFC 9568 §6.4.3's immediate reply to
// a lower-priority advert so that a healed split brain settles within one interval.
void StateMachine::master_receives(const AdvertReceived& advert, Output& out) {
  if (advert.priority == kStopPriority) {
    out.actions.push_back(SendAdvert{static_cast<uint8_t>(priority_)});
    out.actions.push_back(StartAdverTimer{params_.advert_interval});
    return;
  }
  const bool higher = advert.priority > priority_;
  const bool tie_lost = advert.priority == priority_ &&
                        advert.source.family == params_.primary_address.family &&
                        advert.source > params_.primary_address;
  if (!higher && !tie_lost) {
    out.actions.push_back(SendAdvert{static_cast<uint8_t>(priority_)});
    // The lower master announced the VIPs with its MAC (a healed partition): take them back.
    out.actions.push_back(SendGratuitous{});
    return;
  }
  learn_interval(advert.max_adver_interval);
  last_master_priority_ = advert.priority;
  // One last advert at our priority: after a healed partition the winner may not have heard us
  // yet, and only that tells it to re-announce the VIPs that clients learnt with our MAC.
  out.actions.push_back(SendAdvert{static_cast<uint8_t>(priority_)});
  become_backup(higher ? Reason::kHigherPriorityAdvert : Reason::kEqualPriorityHigherAddress, out);
}

// VRRPv3 learns the master's interval (RFC 5798 §6.4.2); VRRPv2 drops adverts whose interval
// differs from its own (RFC 3768 §7.1), so it keeps its own.
void StateMachine::learn_interval(milliseconds advertised) {
  if (params_.version == 3 && advertised.count() > 0) master_adver_interval_ = advertised;
}

void StateMachine::reset_preempt_delay(Output& out) {
  if (preempt_delay_running_) out.actions.push_back(StopPreemptDelayTimer{});
  preempt_delay_running_ = false;
  preempt_delay_elapsed_ = false;
}

// RFC 5798 §6.4.1: the owner goes straight to Master, everyone else waits as Backup.
void StateMachine::start(Reason reason, Output& out) {
  master_adver_interval_ = params_.advert_interval;
  takeover_reason_ = Reason::kMasterDownTimer;
  if (priority_ == kOwnerPriority) {
    become_master(reason == Reason::kStartup ? Reason::kPriority255Owner : reason, out);
  } else {
    become_backup(reason, out);
  }
}

void StateMachine::become_master(Reason reason, Output& out) {
  transition(State::kMaster, reason, out);
  out.actions.push_back(StopTimers{});
  out.actions.push_back(SendAdvert{static_cast<uint8_t>(priority_)});
  out.actions.push_back(AddVips{params_.accept_mode || priority_ == kOwnerPriority});
  out.actions.push_back(SendGratuitous{});
  out.actions.push_back(StartAdverTimer{params_.advert_interval});
  preempt_delay_running_ = false;
  preempt_delay_elapsed_ = false;
}

void StateMachine::become_backup(Reason reason, Output& out) {
  const bool was_master = state_ == State::kMaster;
  transition(State::kBackup, reason, out);
  out.actions.push_back(StopTimers{});
  if (was_master) out.actions.push_back(RemoveVips{});
  takeover_reason_ = Reason::kMasterDownTimer;
  out.actions.push_back(StartMasterDownTimer{master_down_interval()});
}

// Not in the RFCs (keepalived's FAULT): the instance neither advertises nor listens. A master
// leaving for a tracked fault can still talk, so it resigns with priority 0; one whose
// interface went down cannot.
void StateMachine::enter_fault(Reason reason, Output& out) {
  const bool was_master = state_ == State::kMaster;
  transition(State::kFault, reason, out);
  out.actions.push_back(StopTimers{});
  if (was_master) {
    if (reason == Reason::kFaultTracked) out.actions.push_back(SendAdvert{kStopPriority});
    out.actions.push_back(RemoveVips{});
  }
  preempt_delay_running_ = false;
  preempt_delay_elapsed_ = false;
}

void StateMachine::transition(State to, Reason reason, Output& out) {
  wants_master_ = false;
  out.actions.push_back(Transition{state_, to, reason});
  state_ = to;
}

bool StateMachine::preempts() const {
  // The owner always preempts (RFC 5798 §6.1, Preempt_Mode).
  return params_.preempt || priority_ == kOwnerPriority;
}

}  // namespace hadirector::vrrp
