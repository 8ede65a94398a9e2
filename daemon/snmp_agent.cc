#include "daemon/snmp_agent.h"

#include <sys/epoll.h>
#include <sys/select.h>

#include <cstdlib>

// net-snmp's headers must come in this order.
// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/library/large_fd_set.h>
// clang-format on

#include "daemon/core/log.h"

namespace hadirector::daemon::snmp {
namespace {

constexpr auto kMaxSleep = std::chrono::seconds(1);
constexpr int kPingIntervalS = 2;  // AgentX keepalive and reconnect period

std::vector<oid> to_netsnmp(const Oid& o) { return std::vector<oid>(o.begin(), o.end()); }

Oid from_netsnmp(const oid* name, size_t len) { return Oid(name, name + len); }

void set_value(netsnmp_variable_list* vb, const Value& v) {
  switch (v.type) {
    case Value::Type::kInteger: {
      long n = static_cast<long>(v.number);
      snmp_set_var_typed_value(vb, ASN_INTEGER, &n, sizeof n);
      return;
    }
    case Value::Type::kCounter64: {
      counter64 c{static_cast<u_long>(uint64_t(v.number) >> 32),
                  static_cast<u_long>(uint64_t(v.number) & 0xffffffffu)};
      snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof c);
      return;
    }
    case Value::Type::kOctets:
      snmp_set_var_typed_value(vb, ASN_OCTET_STR, v.octets.data(), v.octets.size());
      return;
    case Value::Type::kObjectId: {
      auto o = to_netsnmp(v.object_id);
      snmp_set_var_typed_value(vb, ASN_OBJECT_ID, o.data(), o.size() * sizeof(oid));
      return;
    }
    default: {
      u_long n = static_cast<u_long>(v.number);
      u_char type = v.type == Value::Type::kUnsigned    ? ASN_UNSIGNED
                    : v.type == Value::Type::kGauge     ? ASN_GAUGE
                    : v.type == Value::Type::kCounter32 ? ASN_COUNTER
                                                        : ASN_TIMETICKS;
      snmp_set_var_typed_value(vb, type, &n, sizeof n);
    }
  }
}

// net-snmp's own messages go to our log, at our levels.
int on_netsnmp_log(int, int, void* server_arg, void*) {
  auto* m = static_cast<snmp_log_message*>(server_arg);
  std::string text = m->msg ? m->msg : "";
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (text.empty()) return 0;
  if (m->priority <= LOG_ERR) {
    core::log_error("snmp: " + text);
  } else if (m->priority <= LOG_WARNING) {
    core::log_warning("snmp: " + text);
  } else {
    core::log_debug("snmp: " + text);
  }
  return 0;
}

}  // namespace

// One registered subtree; its handler answers from the agent's current view.
struct SnmpAgent::Registration {
  SnmpAgent* agent;
  bool vrrp;

  const Table& table() const { return vrrp ? agent->view_.vrrp() : agent->view_.hadirector(); }

  static int handle(netsnmp_mib_handler* handler, netsnmp_handler_registration*,
                    netsnmp_agent_request_info* reqinfo, netsnmp_request_info* requests) {
    const auto* self = static_cast<const Registration*>(handler->myvoid);
    const Table& table = self->table();
    for (netsnmp_request_info* r = requests; r; r = r->next) {
      if (r->processed) continue;
      netsnmp_variable_list* vb = r->requestvb;
      const Oid asked = from_netsnmp(vb->name, vb->name_length);
      if (reqinfo->mode == MODE_GET) {
        const Value* v = MibView::get(table, asked);
        if (v) {
          set_value(vb, *v);
        } else {
          netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
        }
      } else if (reqinfo->mode == MODE_GETNEXT) {
        // Past our last OID: leave the varbind alone and the agent tries the next subtree.
        if (const auto* next = MibView::next(table, asked)) {
          auto o = to_netsnmp(next->first);
          snmp_set_var_objid(vb, o.data(), o.size());
          set_value(vb, next->second);
        }
      } else {
        netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
      }
    }
    return SNMP_ERR_NOERROR;
  }
};

SnmpAgent::~SnmpAgent() {
  fd_watches_.clear();
  if (started_) snmp_shutdown("hadirectord");
}

core::Status SnmpAgent::start(const std::string& agentx_socket) {
  if (started_) return core::fail(core::Errc::kInvalid, "snmp agent already started");
  // Sub-agent only; read neither snmpd's configuration nor persistent state (the worker may
  // run with a read-only file system), and run alarms from our loop rather than SIGALRM.
  netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
  netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
                        agentx_socket.c_str());
  netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
                     kPingIntervalS);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
  netsnmp_register_loghandler(NETSNMP_LOGHANDLER_CALLBACK, LOG_DEBUG);
  snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, on_netsnmp_log, nullptr);
  // The agent needs no MIB files (values are typed in code); parsing snmpd's would only fill
  // the log with complaints about modules Debian does not ship.
  ::setenv("MIBS", "", 1);
  if (init_agent("hadirectord") != 0)
    return core::fail(core::Errc::kSystem, "net-snmp init_agent failed");
  for (bool vrrp : {true, false}) {
    // Lives as long as the process: net-snmp keeps the pointer in its registry.
    auto* reg = new Registration{this, vrrp};
    const Oid& root = vrrp ? vrrpv3_mib() : hadirector_mib();
    auto o = to_netsnmp(root);
    netsnmp_mib_handler* h =
        netsnmp_create_handler(vrrp ? "vrrpv3" : "hadirector", &Registration::handle);
    h->myvoid = reg;
    netsnmp_handler_registration* r = netsnmp_handler_registration_create(
        vrrp ? "VRRPv3-MIB" : "HADIRECTOR-MIB", h, o.data(), o.size(), HANDLER_CAN_RONLY);
    if (!r || netsnmp_register_handler(r) != MIB_REGISTERED_OK)
      return core::fail(core::Errc::kSystem, std::string("net-snmp: cannot register ") +
                                                 (vrrp ? "VRRPv3-MIB" : "HADIRECTOR-MIB"));
  }
  init_snmp("hadirectord");
  started_ = true;
  pump();
  return {};
}

bool SnmpAgent::notify(const std::vector<Varbind>& varbinds) {
  if (!started_) return false;
  netsnmp_variable_list* vars = nullptr;
  for (const auto& vb : varbinds) {
    auto o = to_netsnmp(vb.oid);
    netsnmp_variable_list* added =
        snmp_varlist_add_variable(&vars, o.data(), o.size(), ASN_NULL, nullptr, 0);
    if (added) set_value(added, vb.value);
  }
  send_v2trap(vars);
  snmp_free_varbind(vars);
  pump_soon();
  return true;
}

void SnmpAgent::pump_soon() {
  if (!deferred_)
    deferred_ = loop_.defer([this] {
      deferred_ = {};
      pump();
    });
}

void SnmpAgent::pump() {
  // Non-blocking: processes readable sessions, expired timeouts and due alarms (reconnects,
  // AgentX pings), never waits.
  agent_check_and_process(0);
  rearm();
}

void SnmpAgent::rearm() {
  int numfds = 0;
  int block = 0;
  timeval tv{};
  netsnmp_large_fd_set fds;
  netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
  snmp_select_info2(&numfds, &fds, &tv, &block);
  // Rebuilt every time: net-snmp closes and reopens its socket on reconnects, possibly with
  // the same number, and a stale watch would silently stop firing.
  fd_watches_.clear();
  for (int fd = 0; fd < numfds; ++fd) {
    if (!NETSNMP_LARGE_FD_ISSET(fd, &fds)) continue;
    auto w = loop_.watch_fd(fd, EPOLLIN, [this](uint32_t) { pump_soon(); });
    if (w) fd_watches_.push_back(std::move(*w));
  }
  netsnmp_large_fd_set_cleanup(&fds);
  core::Duration wait = kMaxSleep;
  if (!block) {
    wait = std::min<core::Duration>(
        wait, std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
  }
  timer_ = loop_.schedule_after(wait, [this] { pump(); });
}

}  // namespace hadirector::daemon::snmp
