// The VRRP state machine of RFC 5798 §6 (as updated by RFC 9568 §6), with VRRPv2 (RFC 3768)
// timing, preempt delay and a Fault state for interface and tracking failures. Pure: events in,
// the new state and a list of actions out. It owns no timer and no socket and never reads a
// clock: the glue runs the timers the actions ask for and feeds their expiry back as events.
#pragma once

#include <chrono>
#include <cstdint>
#include <variant>
#include <vector>

#include "vrrp/ip_address.h"

namespace hadirector::vrrp {

using std::chrono::microseconds;
using std::chrono::milliseconds;

enum class State : uint8_t { kInitialize, kBackup, kMaster, kFault };
// "INIT", "BACKUP", "MASTER", "FAULT": the names of the status JSON and the transition log.
const char* state_name(State state);

enum class Reason : uint8_t {
  kStartup,                     // Initialize -> Backup (§6.4.1)
  kPriority255Owner,            // Initialize -> Master: the address owner (§6.4.1)
  kMasterDownTimer,             // Backup -> Master: the master went silent (§6.4.2)
  kHigherPriorityAdvert,        // Master -> Backup (§6.4.3)
  kEqualPriorityHigherAddress,  // Master -> Backup: tie broken by the sender's address (§6.4.3)
  kPreemptedLowerPriority,      // Backup -> Master: we preempted a lower-priority master
  kPriorityZeroReceived,        // Backup -> Master: the master resigned (§6.4.2, Skew_Time)
  kShutdown,                    // -> Initialize (§6.4.2, §6.4.3)
  kInterfaceDown,               // -> Fault
  kInterfaceUp,                 // Fault -> Backup/Master
  kFaultTracked,                // -> Fault: a weight-0 tracked object is down
  kFaultCleared,                // Fault -> Backup/Master
  kSyncGroup,                   // Backup <-> Master: following another member of our sync group
};
// Reason codes for logs and events, e.g. "master-down-timer".
const char* reason_name(Reason reason);

struct StateMachineParams {
  int version = 3;                     // 2 or 3
  int priority = 100;                  // effective priority at start, 1..255
  milliseconds advert_interval{1000};  // Advertisement_Interval (§6.1)
  bool preempt = true;                 // Preempt_Mode (§6.1)
  milliseconds preempt_delay{0};       // hold a preemption this long (0: at once)
  bool accept_mode = false;            // Accept_Mode (§6.1): only carried to the glue
  IpAddress primary_address;           // ours, for the equal-priority tie-break (§6.4.3)
  // A member of a sync group with other members: a takeover waits until the whole group wants
  // it (WantMaster, then GroupMaster), so a group never splits between two directors.
  bool in_sync_group = false;
};

// Events.
struct Startup {};
struct Shutdown {};
struct AdvertReceived {
  uint8_t priority = 0;
  milliseconds max_adver_interval{1000};
  IpAddress source;  // the sender's primary address (IP source of the advert)
};
struct MasterDownTimerFired {};
struct AdverTimerFired {};
struct InterfaceUp {};
struct InterfaceDown {};
struct FaultSet {};      // a weight-0 tracked object went down
struct FaultCleared {};  // no weight-0 tracked object is down any more
struct PriorityChanged {
  int priority = 100;  // new effective priority (vrrp/priority.h)
};
struct PreemptDelayElapsed {};
struct SyncGroupMembership {
  bool in_group = false;  // whether other members share our fate (StateMachineParams)
};
struct GroupMaster {};  // the group goes MASTER: a BACKUP member follows
struct GroupBackup {};  // a member fell back to BACKUP: a MASTER member follows
using Event = std::variant<Startup, Shutdown, AdvertReceived, MasterDownTimerFired, AdverTimerFired,
                           InterfaceUp, InterfaceDown, FaultSet, FaultCleared, PriorityChanged,
                           PreemptDelayElapsed, SyncGroupMembership, GroupMaster, GroupBackup>;

// Actions, in the order the glue executes them. Starting a timer replaces that timer if it runs.
struct SendAdvert {
  uint8_t priority = 0;
};
struct StartAdverTimer {
  microseconds interval;
};
struct StartMasterDownTimer {
  microseconds interval;
};
struct StartPreemptDelayTimer {
  microseconds delay;
};
struct StopPreemptDelayTimer {};
struct StopTimers {};  // all of this instance's timers
struct AddVips {
  bool accept = false;  // accept packets to the VIPs: Accept_Mode, or we are the owner (§6.4.3)
};
struct RemoveVips {};
struct SendGratuitous {};  // gratuitous ARP / unsolicited NA for every VIP (§6.4.2)
// A sync group member would take over now but waits for the rest of its group (GroupMaster).
struct WantMaster {};
struct Transition {
  State from;
  State to;
  Reason reason;
  friend bool operator==(const Transition&, const Transition&) = default;
};
using Action = std::variant<SendAdvert, StartAdverTimer, StartMasterDownTimer,
                            StartPreemptDelayTimer, StopPreemptDelayTimer, StopTimers, AddVips,
                            RemoveVips, SendGratuitous, WantMaster, Transition>;

struct Output {
  State state;
  std::vector<Action> actions;
};

// Skew_Time (RFC 5798 §6.1): ((256 - priority) * Master_Adver_Interval) / 256 for v3;
// (256 - priority) / 256 seconds for v2 (RFC 3768 §6.1), whatever the interval.
microseconds skew_time(int version, int priority, microseconds master_adver_interval);
// Master_Down_Interval (§6.1): 3 * Master_Adver_Interval + Skew_Time.
microseconds master_down_interval(int version, int priority, microseconds master_adver_interval);

class StateMachine {
 public:
  explicit StateMachine(const StateMachineParams& params);

  Output handle(const Event& event);

  State state() const { return state_; }
  int priority() const { return priority_; }
  microseconds master_adver_interval() const { return master_adver_interval_; }
  microseconds skew_time() const;
  microseconds master_down_interval() const;
  // A held sync group member whose master-down timer ran out and no master has spoken since.
  bool wants_master() const { return wants_master_; }

 private:
  // One handler per event; each appends to `out`.
  void on(const Startup&, Output& out);
  void on(const Shutdown&, Output& out);
  void on(const AdvertReceived& advert, Output& out);
  void on(const MasterDownTimerFired&, Output& out);
  void on(const AdverTimerFired&, Output& out);
  void on(const InterfaceUp&, Output& out);
  void on(const InterfaceDown&, Output& out);
  void on(const FaultSet&, Output& out);
  void on(const FaultCleared&, Output& out);
  void on(const PriorityChanged& change, Output& out);
  void on(const PreemptDelayElapsed&, Output& out);
  void on(const SyncGroupMembership& membership, Output& out);
  void on(const GroupMaster&, Output& out);
  void on(const GroupBackup&, Output& out);

  void backup_receives(const AdvertReceived& advert, Output& out);
  void master_receives(const AdvertReceived& advert, Output& out);
  void learn_interval(milliseconds advertised);
  void reset_preempt_delay(Output& out);
  void start(Reason reason, Output& out);  // leave Initialize/Fault for Backup or Master
  void become_master(Reason reason, Output& out);
  void become_backup(Reason reason, Output& out);
  void enter_fault(Reason reason, Output& out);
  void transition(State to, Reason reason, Output& out);
  bool faulted() const { return !interface_up_ || fault_tracked_; }
  bool preempts() const;

  StateMachineParams params_;
  State state_ = State::kInitialize;
  int priority_;
  microseconds master_adver_interval_;
  bool interface_up_ = true;
  bool fault_tracked_ = false;
  bool preempt_delay_running_ = false;
  bool preempt_delay_elapsed_ = false;
  int last_master_priority_ = 0;
  bool wants_master_ = false;
  // Why the master-down timer will have fired, for the transition's reason code.
  Reason takeover_reason_ = Reason::kMasterDownTimer;
};

}  // namespace hadirector::vrrp
