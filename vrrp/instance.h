// One VRRP virtual router at run time: owns its StateMachine and timers (on a core::Scheduler,
// so it runs on the EventLoop and on a ManualScheduler alike) and executes the machine's
// actions through the I/O doors: adverts on a shared VrrpSocket, VIPs via AddressManager,
// GARP/NA via GratuitousBurst, link state from LinkMonitor. It does not run scripts, watch
// tracked objects or talk JSON: tracking arrives as set_tracking(), transitions leave through
// a callback (the module runs notify scripts and sync groups from there).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/core/handle.h"
#include "daemon/core/log.h"
#include "daemon/core/scheduler.h"
#include "vrrp/drop_reason.h"
#include "vrrp/instance_settings.h"
#include "vrrp/io/address_manager.h"
#include "vrrp/io/garp.h"
#include "vrrp/io/link_monitor.h"
#include "vrrp/io/vmac_manager.h"
#include "vrrp/io/vrrp_socket_registry.h"
#include "vrrp/receive_check.h"
#include "vrrp/state_machine.h"

namespace hadirector::vrrp {

// One transition, as logged and as sent to the event stream. `reason` is the snake_case code
// (master_down_timer, higher_priority_advert, priority_zero_received, preempted_lower_priority,
// shutdown, reload, resume, ...).
struct TransitionRecord {
  std::string instance;
  State from = State::kInitialize;
  State to = State::kInitialize;
  std::string reason;
  int priority = 0;  // effective priority at the time
  core::TimePoint when{};
};

// The kernel doors an instance uses and where its transitions go; they, and this struct,
// outlive it (one per module, held by reference: 8 bytes an instance instead of 72).
struct InstanceDeps {
  core::Scheduler& scheduler;
  VrrpSocketRegistry& sockets;
  AddressManager& addresses;
  LinkMonitor& links;
  GratuitousSender& gratuitous;
  std::function<void(const TransitionRecord&)> on_transition;  // after the log line
  // Late timers are logged through this one limiter when given: a busy loop makes every
  // instance late at once, and a limiter made per instance logged 1,000 lines and kept ~350
  // bytes in each for good. Null: each instance's own drop log.
  core::RateLimitedLog* late_timer_log = nullptr;
};

// Received adverts dropped, by reason (DropReason), the array made by the first drop: most
// instances never drop one, and it is 176 bytes an instance.
class DropCounts {
 public:
  uint64_t operator[](size_t reason) const { return counts_ ? (*counts_)[reason] : 0; }
  uint64_t& operator[](size_t reason) {
    if (!counts_) counts_ = std::make_unique<Counts>();  // zeroed
    return (*counts_)[reason];
  }

 private:
  using Counts = std::array<uint64_t, kDropReasonCount>;
  std::unique_ptr<Counts> counts_;
};

struct InstanceCounters {
  uint64_t adverts_sent = 0;
  uint64_t adverts_received = 0;  // accepted by check_advert
  uint64_t send_errors = 0;
  uint64_t address_list_mismatches = 0;
  uint64_t late_timers = 0;
  // Once per transition or per master leaving: 2^32 of them is past any director's life.
  uint32_t became_master = 0;
  uint32_t vip_errors = 0;
  uint32_t priority_zero_received = 0;  // accepted adverts of a master that is leaving
  uint32_t priority_zero_sent = 0;      // adverts we sent with priority 0 (RFC 6527 counters)
  DropCounts drops;
  // Transitions by reason code, in first-seen order: a handful per instance, where a map node
  // each cost ~80 bytes (~100 KB at 1,000 instances). A reason points at the process's one copy
  // of its code (interned_reason), not a string of its own per instance and per use.
  struct ReasonCount {
    const std::string* reason;
    uint64_t count;
  };
  std::vector<ReasonCount> transitions;
  // What the status shows of the last transition; the full TransitionRecord (name, priority,
  // time) goes to the callback and was 96 bytes an instance kept here.
  struct Last {
    State from;
    State to;
    const std::string* reason;
  };
  std::optional<Last> last_transition;
};

// The process's one copy of a transition reason code: stable for the life of the process.
const std::string* interned_reason(const std::string& reason);

// "master-down-timer" -> "master_down_timer".
std::string reason_code(Reason reason);

class VrrpInstance {
 public:
  using WantMasterFn = std::function<void(const std::string& instance)>;

  VrrpInstance(const config::VrrpInstance& config, const InstanceDeps& deps);
  VrrpInstance(const config::VrrpInstance&, InstanceDeps&&) = delete;  // would dangle
  // Cancels timers and the socket subscription. Sends nothing: call stop() first for a
  // graceful exit.
  ~VrrpInstance();
  VrrpInstance(const VrrpInstance&) = delete;
  VrrpInstance& operator=(const VrrpInstance&) = delete;

  // Binds to the interface and starts (RFC 5798 §6.4.1). When our VIPs are already on the
  // interface (a restarted worker) and we may preempt, we resume as MASTER at once, advertising
  // before the peers' Master_Down_Interval runs out; otherwise such leftover VIPs are removed.
  void start();
  // Graceful stop: a MASTER sends priority 0 and removes its VIPs (RFC 5798 §6.4.3); a VMAC
  // is removed.
  void stop();
  // `vmac: true` (RFC 5798 §7.3): before start(), how to create the macvlan and open a
  // send-only socket on it. Adverts are received on the parent and sent from the VMAC (IPv4;
  // IPv6 adverts leave from the parent, whose link-local is their source); VIPs and GARP/NA
  // live on the VMAC.
  void use_vmac(VmacManager& manager, VrrpSocketRegistry::Opener open_send_socket);
  // The VMAC link while one is in use.
  const std::optional<LinkInfo>& vmac_link() const;

  // The sum of the tracked weights in effect and whether a fault-weight object is down.
  void set_tracking(int weight_sum, bool fault);
  // A sync group member is in FAULT (vrrp/sync_group.h): we follow.
  void set_group_fault(bool fault);
  // FAULT of our own (interface down or tracked fault), not merely following the group.
  bool own_fault() const { return !link_up_ || tracking_fault_; }
  // Sync group membership (vrrp/sync_group.h): while in a group of several, a takeover waits
  // for the group; `want` hears when this member would take over.
  void set_sync_group(bool in_group, WantMasterFn want);
  bool wants_master() const { return machine_->wants_master(); }
  void follow_master();  // the group goes MASTER
  void follow_backup();  // another member fell back to BACKUP

  // Whether `next` keeps this router's identity (interface, VRID, family): then update()
  // applies it without a state change; otherwise the module recreates the instance.
  bool same_identity(const config::VrrpInstance& next) const;
  // Applies a changed configuration in place: priority through the state machine, VIPs added
  // and removed one by one while MASTER, protocol parameters by rebuilding the machine in the
  // same state. Never causes a transition by itself.
  void update(const config::VrrpInstance& next);

  const std::string& name() const { return config_.name; }
  // Its configuration, compact (vrrp/instance_settings.h): to_config() for the whole struct.
  const InstanceSettings& config() const { return config_; }
  State state() const { return machine_->state(); }
  int effective_priority() const;
  std::chrono::microseconds master_adver_interval() const {
    return machine_->master_adver_interval();
  }
  std::optional<IpAddress> master_address() const { return master_address_; }
  std::optional<IpAddress> source_address() const { return source_; }
  const InstanceCounters& counters() const { return counters_; }

 private:
  StateMachineParams machine_params() const;
  ReceiveParams receive_params() const;
  void feed(const Event& event);
  void execute(const Action& action);
  void on_transition(const Transition& t);
  void report(State from, State to, const std::string& reason);
  // A new machine (in Initialize) that knows our address, interface and fault state.
  void fresh_machine();
  // Replaces the machine and brings it to `target` without reporting transitions.
  void rebuild(State target);
  // A timer's deadline lives here, so its callback captures 16 bytes that std::function keeps
  // inline: arming one (on every advert) allocates nothing of ours. Its event follows from
  // which timer it is (timer_event), not stored: 48 bytes a timer, three per instance.
  struct Timer {
    core::Handle handle;
    core::TimePoint deadline;
    void cancel() { handle.cancel(); }
  };
  void start_timer(Timer& timer, core::TimePoint deadline);
  Event timer_event(const Timer& timer) const;
  void stop_timers();

  // instance_auth.cc: HMAC-authenticated adverts (vrrp/auth_hmac.h).
  static int64_t wall_seconds();
  void apply_auth(ReceiveParams& p) const;
  std::optional<uint64_t> next_auth_sequence();
  void sign_advert(std::vector<uint8_t>& bytes, uint64_t sequence, const IpAddress& to) const;
  bool auth_fresh(const Accepted& accepted, const IpAddress& from, int64_t now_seconds);

  // instance_io.cc: the shell around the machine.
  bool bind();
  void refresh_source();
  void refresh_source_soon();
  void on_packet(std::span<const uint8_t> payload, const PacketFacts& facts);
  void count_drop(DropReason reason, const IpAddress& from);
  void on_link(const LinkState& link);
  void send_advert(uint8_t priority);
  void add_vips(const std::vector<config::IpPrefix>& vips);
  void remove_vips(const std::vector<config::IpPrefix>& vips);
  void change_vips(bool add, const std::vector<config::IpPrefix>& vips);
  void announce(const std::vector<config::IpPrefix>& vips);
  bool vips_present();
  void bind_vmac();
  void release_vmac();
  // Where the VIPs go: the VMAC when there is one, else the interface.
  const std::string& vip_link() const {
    return vmac_ && vmac_->link ? vmac_->link->name : config_.interface;
  }
  core::RateLimitedLog& drop_log();

  InstanceSettings config_;
  const InstanceDeps& deps_;
  std::optional<StateMachine> machine_;  // in place: always there (a pointer cost 24 bytes)
  ReceiveParams receive_;
  std::shared_ptr<VrrpSocket> socket_;
  // Only `vmac: true` instances have one: a VrrpInstance is allocated per configured instance,
  // and what few use stays out of it (~100 bytes each at 1,000 instances).
  struct Vmac {
    VmacManager* manager = nullptr;
    VrrpSocketRegistry::Opener open_socket;
    std::optional<LinkInfo> link;
    std::unique_ptr<VrrpSocket> socket;  // send-only, on the VMAC
  };
  std::unique_ptr<Vmac> vmac_;
  int ifindex_ = 0;
  MacAddress mac_{};
  std::optional<IpAddress> source_;
  std::optional<IpAddress> master_address_;
  bool link_up_ = true;
  bool tracking_fault_ = false;
  bool group_fault_ = false;
  bool in_sync_group_ = false;
  std::unique_ptr<WantMasterFn> want_master_;  // sync group members only (32 bytes inline)
  int tracking_weight_ = 0;
  bool started_ = false;
  bool hide_transitions_ = false;
  bool feeding_ = false;
  // Events fed back while one is handled: not a deque (~500 bytes per instance), and empty
  // unless an action feeds an event back.
  std::vector<Event> pending_;
  core::Handle socket_sub_, link_sub_;  // link_sub_: links, addresses and resyncs
  Timer advert_timer_, master_down_timer_;
  // Made by the first preempt delay (most instances have none) and kept: its callback may be
  // the one running when the machine stops it.
  std::unique_ptr<Timer> preempt_timer_;
  core::Handle source_refresh_;  // coalesces address events into one lookup
  std::unique_ptr<GratuitousBurst> burst_;  // made by the first announcement (a BACKUP never)
  std::unique_ptr<core::RateLimitedLog> drop_log_;  // made by the first drop logged
  InstanceCounters counters_;
  // Kept across reloads: a reload rolling keys must not reopen the replay window.
  AuthSequencer auth_sequencer_;
  ReplayMarks replay_marks_;
};

}  // namespace hadirector::vrrp
