// The VRRP state machine, one test per rule of RFC 5798 §6 (and RFC 9568 / RFC 3768 where they
// differ), plus preempt delay, Fault and priority changes. Time never passes here: timer
// expiries are events like any other.
#include "vrrp/state_machine.h"

#include <gtest/gtest.h>

#include <optional>
#include <type_traits>

namespace hadirector::vrrp {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

const IpAddress kOurs = IpAddress::v4(192, 0, 2, 10);
const IpAddress kLowerAddress = IpAddress::v4(192, 0, 2, 5);
const IpAddress kHigherAddress = IpAddress::v4(192, 0, 2, 20);

StateMachineParams params(int priority = 100) {
  StateMachineParams p;
  p.version = 3;
  p.priority = priority;
  p.advert_interval = milliseconds(1000);
  p.preempt = true;
  p.primary_address = kOurs;
  return p;
}

AdvertReceived advert(int priority, IpAddress source = kHigherAddress,
                      milliseconds interval = milliseconds(1000)) {
  return AdvertReceived{static_cast<uint8_t>(priority), interval, source};
}

template <typename T>
std::optional<T> find(const Output& out) {
  for (const Action& a : out.actions)
    if (const T* t = std::get_if<T>(&a)) return *t;
  return std::nullopt;
}

template <typename T>
bool has(const Output& out) {
  return find<T>(out).has_value();
}

std::optional<Transition> transition_of(const Output& out) { return find<Transition>(out); }

// A machine already in Backup (started, no advert seen yet).
StateMachine backup(StateMachineParams p = params()) {
  StateMachine sm(p);
  EXPECT_EQ(sm.handle(Startup{}).state, State::kBackup);
  return sm;
}

// A machine already in Master, via the master-down timer.
StateMachine master(StateMachineParams p = params()) {
  StateMachine sm = backup(p);
  EXPECT_EQ(sm.handle(MasterDownTimerFired{}).state, State::kMaster);
  return sm;
}

TEST(StateMachine, StartsInInitialize) {
  StateMachine sm(params());
  EXPECT_EQ(sm.state(), State::kInitialize);
  EXPECT_TRUE(sm.handle(AdvertReceived{}).actions.empty());
  EXPECT_TRUE(sm.handle(MasterDownTimerFired{}).actions.empty());
}

TEST(StateMachine, NonOwnerStartsAsBackupWithMasterDownTimer) {
  StateMachine sm(params(100));
  Output out = sm.handle(Startup{});
  EXPECT_EQ(out.state, State::kBackup);
  EXPECT_EQ(transition_of(out), (Transition{State::kInitialize, State::kBackup, Reason::kStartup}));
  ASSERT_TRUE(has<StartMasterDownTimer>(out));
  EXPECT_EQ(find<StartMasterDownTimer>(out)->interval, sm.master_down_interval());
  EXPECT_FALSE(has<SendAdvert>(out));
  EXPECT_FALSE(has<AddVips>(out));
}

TEST(StateMachine, OwnerBecomesMasterImmediatelyAtStartup) {
  StateMachine sm(params(255));
  Output out = sm.handle(Startup{});
  EXPECT_EQ(out.state, State::kMaster);
  EXPECT_EQ(transition_of(out)->reason, Reason::kPriority255Owner);
  EXPECT_EQ(find<SendAdvert>(out)->priority, 255);
  EXPECT_TRUE(has<SendGratuitous>(out));
  EXPECT_TRUE(find<AddVips>(out)->accept);  // the owner always accepts (§6.4.3)
  EXPECT_EQ(find<StartAdverTimer>(out)->interval, milliseconds(1000));
}

TEST(StateMachine, MasterDownIntervalIsThreeAdvertsPlusSkew) {
  StateMachine sm(params(100));
  // Skew_Time = (256 - 100) * 1 s / 256 = 609.375 ms.
  EXPECT_EQ(sm.skew_time(), microseconds(609375));
  EXPECT_EQ(sm.master_down_interval(), microseconds(3000000 + 609375));
  EXPECT_EQ(master_down_interval(3, 254, milliseconds(100)), microseconds(300000 + 781));
}

TEST(StateMachine, SkewTimeOfV2IsInSecondsWhateverTheInterval) {
  // RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds.
  EXPECT_EQ(skew_time(2, 100, milliseconds(5000)), microseconds(609375));
  EXPECT_EQ(master_down_interval(2, 100, milliseconds(5000)), microseconds(15000000 + 609375));
  EXPECT_EQ(skew_time(3, 100, milliseconds(5000)), microseconds(3046875));
}

TEST(StateMachine, HigherPriorityBackupTimesOutFirst) {
  EXPECT_LT(master_down_interval(3, 200, milliseconds(1000)),
            master_down_interval(3, 100, milliseconds(1000)));
}

TEST(StateMachine, BackupBecomesMasterWhenMasterDownTimerFires) {
  StateMachine sm = backup();
  Output out = sm.handle(MasterDownTimerFired{});
  EXPECT_EQ(out.state, State::kMaster);
  EXPECT_EQ(transition_of(out)->reason, Reason::kMasterDownTimer);
  EXPECT_EQ(find<SendAdvert>(out)->priority, 100);
  EXPECT_TRUE(has<AddVips>(out));
  EXPECT_TRUE(has<SendGratuitous>(out));
  EXPECT_EQ(find<StartAdverTimer>(out)->interval, milliseconds(1000));
}

TEST(StateMachine, BackupResetsMasterDownTimerOnHigherPriorityAdvert) {
  StateMachine sm = backup();
  Output out = sm.handle(advert(200));
  EXPECT_EQ(out.state, State::kBackup);
  EXPECT_EQ(find<StartMasterDownTimer>(out)->interval, sm.master_down_interval());
  EXPECT_FALSE(transition_of(out).has_value());
}

TEST(StateMachine, BackupLearnsMasterAdverIntervalFromAdverts) {
  StateMachine sm = backup();
  Output out = sm.handle(advert(200, kHigherAddress, milliseconds(200)));
  EXPECT_EQ(sm.master_adver_interval(), milliseconds(200));
  // 3 * 200 ms + (256 - 100) * 200 ms / 256 = 600 ms + 121.875 ms.
  EXPECT_EQ(find<StartMasterDownTimer>(out)->interval, microseconds(721875));
}

TEST(StateMachine, V2BackupKeepsItsOwnInterval) {
  StateMachineParams p = params();
  p.version = 2;
  StateMachine sm = backup(p);
  sm.handle(advert(200, kHigherAddress, milliseconds(3000)));
  EXPECT_EQ(sm.master_adver_interval(), milliseconds(1000));
}

TEST(StateMachine, BackupPreemptsLowerPriorityMasterWhenPreemptOn) {
  StateMachine sm = backup(params(150));
  Output out = sm.handle(advert(100));
  EXPECT_FALSE(has<StartMasterDownTimer>(out));  // discarded: the timer runs out
  out = sm.handle(MasterDownTimerFired{});
  EXPECT_EQ(out.state, State::kMaster);
  EXPECT_EQ(transition_of(out)->reason, Reason::kPreemptedLowerPriority);
}

TEST(StateMachine, BackupIgnoresLowerPriorityAdvertWhenPreemptOff) {
  StateMachineParams p = params(150);
  p.preempt = false;
  StateMachine sm = backup(p);
  Output out = sm.handle(advert(100));
  EXPECT_EQ(out.state, State::kBackup);
  EXPECT_EQ(find<StartMasterDownTimer>(out)->interval, sm.master_down_interval());
}

TEST(StateMachine, OwnerPreemptsEvenWithPreemptOff) {
  StateMachineParams p = params(255);
  p.preempt = false;
  StateMachine sm(p);
  sm.handle(Startup{});
  sm.handle(advert(255, kHigherAddress));  // another owner wins the tie, we step back
  ASSERT_EQ(sm.state(), State::kBackup);
  EXPECT_FALSE(has<StartMasterDownTimer>(sm.handle(advert(100))));
}

TEST(StateMachine, BackupDoesNotPreemptEqualPriorityMaster) {
  // RFC 5798 §6.4.2: "greater than or equal to the local Priority" resets the timer.
  StateMachine sm = backup(params(100));
  Output out = sm.handle(advert(100, kLowerAddress));
  EXPECT_TRUE(has<StartMasterDownTimer>(out));
  EXPECT_EQ(out.state, State::kBackup);
}

TEST(StateMachine, PriorityZeroMakesBackupTakeOverAfterSkewTime) {
  StateMachine sm = backup(params(100));
  Output out = sm.handle(advert(0));
  EXPECT_EQ(find<StartMasterDownTimer>(out)->interval, sm.skew_time());
  out = sm.handle(MasterDownTimerFired{});
  EXPECT_EQ(out.state, State::kMaster);
  EXPECT_EQ(transition_of(out)->reason, Reason::kPriorityZeroReceived);
}

TEST(StateMachine, MasterSendsAdvertWhenAdverTimerFires) {
  StateMachine sm = master();
  Output out = sm.handle(AdverTimerFired{});
  EXPECT_EQ(find<SendAdvert>(out)->priority, 100);
  EXPECT_EQ(find<StartAdverTimer>(out)->interval, milliseconds(1000));
  EXPECT_EQ(out.state, State::kMaster);
}

TEST(StateMachine, MasterStepsDownForHigherPriorityAdvert) {
  StateMachine sm = master(params(100));
  Output out = sm.handle(advert(200, kLowerAddress, milliseconds(500)));
  EXPECT_EQ(out.state, State::kBackup);
  EXPECT_EQ(transition_of(out)->reason, Reason::kHigherPriorityAdvert);
  EXPECT_TRUE(has<StopTimers>(out));
  EXPECT_TRUE(has<RemoveVips>(out));
  EXPECT_EQ(sm.master_adver_interval(), milliseconds(500));
  EXPECT_EQ(find<StartMasterDownTimer>(out)->interval, sm.master_down_interval());
  // One last advert at our own priority, so that a winner that has not heard us since a
  // partition healed re-announces its VIPs (it answers lower adverts with a GARP).
  EXPECT_EQ(find<SendAdvert>(out)->priority, 100);
}

TEST(StateMachine, EqualPriorityHigherAddressWins) {
  StateMachine sm = master(params(100));
  Output out = sm.handle(advert(100, kHigherAddress));
  EXPECT_EQ(out.state, State::kBackup);
  EXPECT_EQ(transition_of(out)->reason, Reason::kEqualPriorityHigherAddress);
}

TEST(StateMachine, EqualPriorityLowerAddressLoses) {
  StateMachine sm = master(params(100));
  Output out = sm.handle(advert(100, kLowerAddress));
  EXPECT_EQ(out.state, State::kMaster);
  EXPECT_EQ(find<SendAdvert>(out)->priority, 100);  // and it hears from us at once
}

TEST(StateMachine, AddressTieBreakIsUnsignedByteOrder) {
  // 10.0.0.1 < 192.0.2.10 < 200.0.0.1 as unsigned integers in network byte order.
  StateMachine low = master(params(100));
  EXPECT_EQ(low.handle(advert(100, IpAddress::v4(10, 0, 0, 1))).state, State::kMaster);
  StateMachine high = master(params(100));
  EXPECT_EQ(high.handle(advert(100, IpAddress::v4(200, 0, 0, 1))).state, State::kBackup);
}

TEST(StateMachine, MasterRepliesAtOnceToLowerPriorityAdvert) {
  // RFC 9568 §6.4.3: a healed split brain settles within one interval.
  StateMachine sm = master(params(150));
  Output out = sm.handle(advert(100));
  EXPECT_EQ(out.state, State::kMaster);
  EXPECT_EQ(find<SendAdvert>(out)->priority, 150);
  EXPECT_TRUE(has<SendGratuitous>(out));  // clients that followed the lower master come back
  EXPECT_FALSE(transition_of(out).has_value());
}

TEST(StateMachine, MasterAnswersPriorityZeroWithAnAdvert) {
  StateMachine sm = master();
  Output out = sm.handle(advert(0));
  EXPECT_EQ(out.state, State::kMaster);
  EXPECT_EQ(find<SendAdvert>(out)->priority, 100);
  EXPECT_TRUE(has<StartAdverTimer>(out));
}

TEST(StateMachine, MasterShutdownSendsPriorityZero) {
  StateMachine sm = master();
  Output out = sm.handle(Shutdown{});
  EXPECT_EQ(out.state, State::kInitialize);
  EXPECT_EQ(find<SendAdvert>(out)->priority, 0);
  EXPECT_TRUE(has<RemoveVips>(out));
  EXPECT_TRUE(has<StopTimers>(out));
  EXPECT_EQ(transition_of(out)->reason, Reason::kShutdown);
}

TEST(StateMachine, BackupShutdownCancelsTimerSilently) {
  StateMachine sm = backup();
  Output out = sm.handle(Shutdown{});
  EXPECT_EQ(out.state, State::kInitialize);
  EXPECT_TRUE(has<StopTimers>(out));
  EXPECT_FALSE(has<SendAdvert>(out));
}

TEST(StateMachine, RestartsAfterShutdown) {
  StateMachine sm = master();
  sm.handle(Shutdown{});
  EXPECT_EQ(sm.handle(Startup{}).state, State::kBackup);
}

TEST(StateMachine, StaleTimersAreIgnored) {
  StateMachine b = backup();
  EXPECT_TRUE(b.handle(AdverTimerFired{}).actions.empty());
  StateMachine m = master();
  EXPECT_TRUE(m.handle(MasterDownTimerFired{}).actions.empty());
  EXPECT_TRUE(m.handle(PreemptDelayElapsed{}).actions.empty());
}

TEST(StateMachine, AcceptModeIsCarriedToTheGlue) {
  StateMachineParams p = params();
  p.accept_mode = true;
  StateMachine with = backup(p);
  EXPECT_TRUE(find<AddVips>(with.handle(MasterDownTimerFired{}))->accept);
  StateMachine without = backup(params());
  EXPECT_FALSE(find<AddVips>(without.handle(MasterDownTimerFired{}))->accept);
}

TEST(StateMachine, PreemptDelayHoldsOffPreemption) {
  StateMachineParams p = params(150);
  p.preempt_delay = milliseconds(30000);
  StateMachine sm = backup(p);
  Output out = sm.handle(advert(100));
  EXPECT_EQ(find<StartPreemptDelayTimer>(out)->delay, milliseconds(30000));
  EXPECT_TRUE(has<StartMasterDownTimer>(out));  // the lower master is tolerated meanwhile
  out = sm.handle(advert(100));
  EXPECT_FALSE(has<StartPreemptDelayTimer>(out));  // already counting
  EXPECT_TRUE(has<StartMasterDownTimer>(out));
}

TEST(StateMachine, PreemptDelayElapsedTakesOverAfterSkewTime) {
  StateMachineParams p = params(150);
  p.preempt_delay = milliseconds(30000);
  StateMachine sm = backup(p);
  sm.handle(advert(100));
  Output out = sm.handle(PreemptDelayElapsed{});
  EXPECT_EQ(find<StartMasterDownTimer>(out)->interval, sm.skew_time());
  EXPECT_FALSE(has<StartMasterDownTimer>(sm.handle(advert(100))));  // now discarded
  out = sm.handle(MasterDownTimerFired{});
  EXPECT_EQ(out.state, State::kMaster);
  EXPECT_EQ(transition_of(out)->reason, Reason::kPreemptedLowerPriority);
}

TEST(StateMachine, HigherPriorityMasterCancelsPreemptDelay) {
  StateMachineParams p = params(150);
  p.preempt_delay = milliseconds(30000);
  StateMachine sm = backup(p);
  sm.handle(advert(100));
  Output out = sm.handle(advert(200));
  EXPECT_TRUE(has<StopPreemptDelayTimer>(out));
  EXPECT_TRUE(sm.handle(PreemptDelayElapsed{}).actions.empty());
}

TEST(StateMachine, InterfaceDownPutsMasterInFaultAndDropsVips) {
  StateMachine sm = master();
  Output out = sm.handle(InterfaceDown{});
  EXPECT_EQ(out.state, State::kFault);
  EXPECT_EQ(transition_of(out)->reason, Reason::kInterfaceDown);
  EXPECT_TRUE(has<RemoveVips>(out));
  EXPECT_TRUE(has<StopTimers>(out));
  EXPECT_FALSE(has<SendAdvert>(out));  // the link is gone
}

TEST(StateMachine, TrackedFaultMakesMasterResignWithPriorityZero) {
  StateMachine sm = master();
  Output out = sm.handle(FaultSet{});
  EXPECT_EQ(out.state, State::kFault);
  EXPECT_EQ(transition_of(out)->reason, Reason::kFaultTracked);
  EXPECT_EQ(find<SendAdvert>(out)->priority, 0);
}

TEST(StateMachine, FaultIgnoresAdvertsAndTimers) {
  StateMachine sm = backup();
  sm.handle(InterfaceDown{});
  EXPECT_TRUE(sm.handle(advert(0)).actions.empty());
  EXPECT_TRUE(sm.handle(MasterDownTimerFired{}).actions.empty());
  EXPECT_EQ(sm.state(), State::kFault);
}

TEST(StateMachine, InterfaceUpLeavesFaultForBackup) {
  StateMachine sm = backup();
  sm.handle(InterfaceDown{});
  Output out = sm.handle(InterfaceUp{});
  EXPECT_EQ(out.state, State::kBackup);
  EXPECT_EQ(transition_of(out)->reason, Reason::kInterfaceUp);
  EXPECT_TRUE(has<StartMasterDownTimer>(out));
}

TEST(StateMachine, FaultClearsOnlyWhenEveryCauseIsGone) {
  StateMachine sm = backup();
  sm.handle(InterfaceDown{});
  sm.handle(FaultSet{});
  EXPECT_EQ(sm.handle(InterfaceUp{}).state, State::kFault);
  Output out = sm.handle(FaultCleared{});
  EXPECT_EQ(out.state, State::kBackup);
  EXPECT_EQ(transition_of(out)->reason, Reason::kFaultCleared);
}

TEST(StateMachine, OwnerLeavesFaultStraightForMaster) {
  StateMachine sm(params(255));
  sm.handle(Startup{});
  sm.handle(InterfaceDown{});
  Output out = sm.handle(InterfaceUp{});
  EXPECT_EQ(out.state, State::kMaster);
  EXPECT_EQ(transition_of(out)->reason, Reason::kInterfaceUp);
}

TEST(StateMachine, StartupWhileInterfaceDownGoesToFault) {
  StateMachine sm(params());
  EXPECT_TRUE(sm.handle(InterfaceDown{}).actions.empty());
  Output out = sm.handle(Startup{});
  EXPECT_EQ(out.state, State::kFault);
  EXPECT_EQ(transition_of(out),
            (Transition{State::kInitialize, State::kFault, Reason::kInterfaceDown}));
}

TEST(StateMachine, MasterAnnouncesPriorityChangeAtOnce) {
  StateMachine sm = master(params(100));
  Output out = sm.handle(PriorityChanged{70});
  EXPECT_EQ(sm.priority(), 70);
  EXPECT_EQ(find<SendAdvert>(out)->priority, 70);
  EXPECT_EQ(out.state, State::kMaster);
}

TEST(StateMachine, LoweredPriorityLetsHigherAdvertWin) {
  StateMachine sm = master(params(100));
  sm.handle(PriorityChanged{70});
  EXPECT_EQ(sm.handle(advert(90)).state, State::kBackup);
}

TEST(StateMachine, RaisedPriorityMakesBackupPreempt) {
  StateMachine sm = backup(params(100));
  sm.handle(advert(120));
  sm.handle(PriorityChanged{130});
  EXPECT_FALSE(has<StartMasterDownTimer>(sm.handle(advert(120))));
  EXPECT_EQ(sm.handle(MasterDownTimerFired{}).state, State::kMaster);
}

TEST(StateMachine, UnchangedPriorityEmitsNothing) {
  StateMachine sm = master(params(100));
  EXPECT_TRUE(sm.handle(PriorityChanged{100}).actions.empty());
}

TEST(StateMachine, TransitionComesFirstSoTheLogPrecedesTheEffects) {
  StateMachine sm = backup();
  Output out = sm.handle(MasterDownTimerFired{});
  ASSERT_FALSE(out.actions.empty());
  EXPECT_TRUE(std::holds_alternative<Transition>(out.actions.front()));
}

StateMachineParams grouped(int priority = 100) {
  StateMachineParams p = params(priority);
  p.in_sync_group = true;
  return p;
}

TEST(StateMachine, SyncGroupMemberWaitsForTheGroupWhenMasterDownTimerFires) {
  StateMachine sm = backup(grouped());
  Output out = sm.handle(MasterDownTimerFired{});
  EXPECT_EQ(out.state, State::kBackup);
  EXPECT_TRUE(has<WantMaster>(out));
  EXPECT_TRUE(sm.wants_master());
  out = sm.handle(GroupMaster{});
  EXPECT_EQ(transition_of(out),
            (Transition{State::kBackup, State::kMaster, Reason::kMasterDownTimer}));
  EXPECT_TRUE(has<AddVips>(out));
}

TEST(StateMachine, SyncGroupMemberStopsWantingWhenAMasterSpeaks) {
  StateMachine sm = backup(grouped());
  sm.handle(MasterDownTimerFired{});
  sm.handle(advert(200));
  EXPECT_FALSE(sm.wants_master());
}

TEST(StateMachine, SyncGroupMemberKeepsWantingWhilePreemptingALowerMaster) {
  StateMachine sm = backup(grouped(150));
  sm.handle(MasterDownTimerFired{});
  sm.handle(advert(100));
  EXPECT_TRUE(sm.wants_master());
}

TEST(StateMachine, FollowingTheGroupToMasterReportsSyncGroup) {
  StateMachine sm = backup(grouped());
  EXPECT_EQ(transition_of(sm.handle(GroupMaster{})),
            (Transition{State::kBackup, State::kMaster, Reason::kSyncGroup}));
}

TEST(StateMachine, FollowingTheGroupToBackupDropsVipsAndWatchesTheMaster) {
  StateMachine sm = master(params());
  Output out = sm.handle(GroupBackup{});
  EXPECT_EQ(transition_of(out), (Transition{State::kMaster, State::kBackup, Reason::kSyncGroup}));
  EXPECT_TRUE(has<RemoveVips>(out));
  EXPECT_TRUE(has<StartMasterDownTimer>(out));
  EXPECT_TRUE(sm.handle(GroupBackup{}).actions.empty());  // already BACKUP
}

TEST(StateMachine, LeavingTheGroupWhileWaitingTakesOverAtOnce) {
  StateMachine sm = backup(grouped());
  sm.handle(MasterDownTimerFired{});
  EXPECT_EQ(sm.handle(SyncGroupMembership{false}).state, State::kMaster);
}

TEST(StateMachine, NamesStatesAndReasons) {
  EXPECT_STREQ(state_name(State::kInitialize), "INIT");
  EXPECT_STREQ(state_name(State::kBackup), "BACKUP");
  EXPECT_STREQ(state_name(State::kMaster), "MASTER");
  EXPECT_STREQ(state_name(State::kFault), "FAULT");
  EXPECT_STREQ(reason_name(Reason::kMasterDownTimer), "master-down-timer");
  EXPECT_STREQ(reason_name(Reason::kPriority255Owner), "priority-255-owner");
  EXPECT_STREQ(reason_name(Reason::kPreemptedLowerPriority), "preempted-lower-priority");
  EXPECT_STREQ(reason_name(Reason::kPriorityZeroReceived), "priority-zero-received");
  EXPECT_STREQ(reason_name(Reason::kFaultCleared), "fault-cleared");
}

}  // namespace
}  // namespace hadirector::vrrp
