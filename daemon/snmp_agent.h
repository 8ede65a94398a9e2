// The net-snmp side of the SNMP worker: an AgentX sub-agent that connects to the master agent
// (snmpd) on a Unix socket, answers GET/GETNEXT for the VRRPv3-MIB and HADIRECTOR-MIB subtrees
// from a MibView, and sends notifications. It runs inside our sd-event loop without blocking:
// net-snmp's descriptors become io watches and its timeouts/alarms a timer. Read-only: SETs are
// refused. net-snmp keeps global state, so there is one agent per process.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "daemon/core/event_loop.h"
#include "daemon/core/handle.h"
#include "daemon/core/result.h"
#include "daemon/snmp_mib_view.h"

namespace hadirector::daemon::snmp {

class SnmpAgent {
 public:
  explicit SnmpAgent(core::EventLoop& loop) : loop_(loop) {}
  ~SnmpAgent();
  SnmpAgent(const SnmpAgent&) = delete;
  SnmpAgent& operator=(const SnmpAgent&) = delete;

  // Starts the sub-agent on `agentx_socket`. An absent master is not an error: net-snmp
  // retries every few seconds and registers when snmpd appears.
  core::Status start(const std::string& agentx_socket);
  void set_view(MibView view) { view_ = std::move(view); }
  const MibView& view() const { return view_; }
  // Sends a notification (the first varbind is snmpTrapOID.0); false when not connected.
  bool notify(const std::vector<Varbind>& varbinds);
  bool connected() const;

 private:
  struct Registration;
  void pump();  // let net-snmp process what is ready, then re-arm
  void pump_soon();
  void rearm();

  core::EventLoop& loop_;
  MibView view_;
  bool started_ = false;
  std::vector<core::Handle> fd_watches_;
  core::Handle timer_;
  core::Handle deferred_;
};

}  // namespace hadirector::daemon::snmp
