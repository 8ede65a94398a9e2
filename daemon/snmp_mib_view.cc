#include "daemon/snmp_mib_view.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>

#include "daemon/json_fields.h"

namespace hadirector::daemon::snmp {
namespace {

// RFC 6527 §5: vrrpv3Operations = vrrpv3MIB.1.1, vrrpv3Statistics = vrrpv3MIB.1.2.
const Oid kOperationsEntry = {1, 1, 1, 1};
const Oid kAssociatedEntry = {1, 1, 2, 1};
const Oid kStatisticsScalars = {1, 2};
const Oid kStatisticsEntry = {1, 2, 5, 1};
// HADIRECTOR-MIB (etc/HADIRECTOR-MIB.txt).
const Oid kGlobal = {1, 1};
const Oid kVirtualServerEntry = {1, 2, 1};
const Oid kRealServerEntry = {1, 3, 1};

Oid join(std::initializer_list<const Oid*> parts) {
  Oid out;
  for (const Oid* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}

Oid column(const Oid& root, const Oid& entry, uint32_t col, const Oid& index) {
  Oid c = {col};
  return join({&root, &entry, &c, &index});
}

uint64_t u64(const nlohmann::json& j, const char* key) { return json_u64(j, key); }

// InetAddress: the address's bytes (4 or 16); empty when unknown.
std::string address_bytes(const nlohmann::json& text) {
  if (!text.is_string()) return "";
  const std::string s = text.get<std::string>();
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1)
    return std::string(reinterpret_cast<char*>(buf), 16);
  return "";
}

// The kernel's counters of a virtual server: the sum over its IPVS services (one per member of
// a group), and of a real server: the sum of its destinations in those services.
struct IpvsTotals {
  uint64_t connections = 0, in_packets = 0, out_packets = 0, in_bytes = 0, out_bytes = 0;
  uint64_t active = 0, inactive = 0;
  void add(const nlohmann::json& stats) {
    connections += json_u64(stats, "connections");
    in_packets += json_u64(stats, "in_packets");
    out_packets += json_u64(stats, "out_packets");
    in_bytes += json_u64(stats, "in_bytes");
    out_bytes += json_u64(stats, "out_bytes");
  }
};

IpvsTotals service_totals(const nlohmann::json& vs) {
  IpvsTotals t;
  for (const auto& svc : vs.value("services", nlohmann::json::array()))
    t.add(json_object(svc, "stats"));
  return t;
}

IpvsTotals destination_totals(const nlohmann::json& vs, const std::string& address) {
  IpvsTotals t;
  for (const auto& svc : vs.value("services", nlohmann::json::array())) {
    for (const auto& d : svc.value("destinations", nlohmann::json::array())) {
      if (json_string(d, "address") != address) continue;
      t.add(json_object(d, "stats"));
      t.active += json_u64(d, "active_connections");
      t.inactive += json_u64(d, "inactive_connections");
    }
  }
  return t;
}

int operations_status(const std::string& state) {
  if (state == "MASTER") return 3;
  if (state == "BACKUP") return 2;
  return 1;  // INIT and FAULT: the MIB has only initialize(1) for "not taking part"
}

int real_server_state(const std::string& state) {
  static const char* const kNames[] = {"up",         "down",      "draining",
                                       "slow-start", "inhibited", "unchecked"};
  for (int i = 0; i < 6; ++i)
    if (state == kNames[i]) return i + 1;
  return 6;
}

// vrrpv3AssociatedIpAddrTable: one row per virtual address, indexed by the instance's index and
// the address as a length-prefixed InetAddress. Only the RowStatus column is readable (the
// address is not-accessible); rows come from the configuration, so they are all active(1).
void add_associated(Table& table, const Oid& index, const config::VrrpInstance& cfg) {
  for (const auto& vip : cfg.virtual_addresses) {
    const size_t size = vip.addr.is_v4() ? 4 : 16;
    Oid row = index;
    row.push_back(uint32_t(size));
    row.insert(row.end(), vip.addr.bytes.begin(), vip.addr.bytes.begin() + size);
    table[column(vrrpv3_mib(), kAssociatedEntry, 2, row)] = Value::integer(1);
  }
}

const config::VrrpInstance* find_instance(const config::Config& c, const std::string& name) {
  for (const auto& i : c.vrrp.instances)
    if (i.name == name) return &i;
  return nullptr;
}

}  // namespace

const Oid& vrrpv3_mib() {
  static const Oid oid = {1, 3, 6, 1, 2, 1, 207};
  return oid;
}

const Oid& hadirector_mib() {
  static const Oid oid = {1, 3, 6, 1, 4, 1, 32473, 1};
  return oid;
}

const Oid& snmp_trap_oid() {
  static const Oid oid = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
  return oid;
}

int new_master_reason(const std::string& reason) {
  std::string r = reason;  // reason codes are spelled with '-' or '_'
  std::ranges::replace(r, '_', '-');
  if (r == "preempted-lower-priority") return 2;                            // preempted
  if (r == "master-down-timer" || r == "priority-zero-received") return 3;  // masterNoResponse
  return 1;  // priority: owner, startup as the only router, leaving fault, sync group
}

MibView::MibView(const ViewInputs& in) {
  add_instances(in);
  add_servers(in.status);
  const Oid generation = {1, 0}, ipvs = {2, 0};
  hadirector_[join({&hadirector_mib(), &kGlobal, &generation})] =
      Value::unsigned32(u64(in.status, "generation"));
  hadirector_[join({&hadirector_mib(), &kGlobal, &ipvs})] =
      Value::integer(json_string(in.status, "ipvs") == "ok" ? 1 : 2);
}

void MibView::add_instances(const ViewInputs& in) {
  const auto& root = vrrpv3_mib();
  const nlohmann::json instances =
      json_object(in.status, "vrrp").value("instances", nlohmann::json::array());
  uint64_t router_checksum = 0, router_version = 0, router_vrid = 0;
  for (const auto& st : instances) {
    const std::string name = json_string(st, "name");
    const config::VrrpInstance* cfg = find_instance(in.config, name);
    if (!cfg) continue;
    const uint32_t ifindex = in.if_index(cfg->interface);
    const bool v6 = cfg->family == AF_INET6;
    const Oid index = {ifindex, uint32_t(cfg->vrid), v6 ? 2u : 1u};
    instance_index_[name] = index;
    const std::string state = json_string(st, "state");
    auto ops = [&](uint32_t col, Value v) {
      vrrp_[column(root, kOperationsEntry, col, index)] = v;
    };
    const std::string master = address_bytes(st.value("master_address", nlohmann::json()));
    ops(3, Value::octets_of(master));
    ops(4, Value::octets_of(state == "MASTER" ? master : ""));
    const char mac[6] = {0, 0, 0x5e, 0, char(v6 ? 2 : 1), char(cfg->vrid)};
    ops(5, Value::octets_of(std::string(mac, 6)));
    ops(6, Value::integer(operations_status(state)));
    ops(7, Value::unsigned32(u64(st, "effective_priority")));
    ops(8, Value::integer(int64_t(cfg->virtual_addresses.size())));
    ops(9, Value::integer(
               std::chrono::duration_cast<std::chrono::milliseconds>(cfg->advert_interval).count() /
               10));
    ops(10, Value::integer(cfg->preempt ? 1 : 2));  // TruthValue: true(1), false(2)
    ops(11, Value::integer(cfg->accept ? 1 : 2));
    auto up = in.up_time_cs.find(name);
    ops(12, Value::timeticks(up == in.up_time_cs.end() ? 0 : up->second));
    ops(13, Value::integer(1));  // RowStatus active: rows come from the configuration
    add_associated(vrrp_, index, *cfg);

    const nlohmann::json counters = json_object(st, "counters");
    const nlohmann::json drops = json_object(st, "drops");
    const nlohmann::json last = json_object(counters, "last_transition");
    auto stat = [&](uint32_t col, Value v) {
      vrrp_[column(root, kStatisticsEntry, col, index)] = v;
    };
    stat(1, Value::counter32(u64(counters, "became_master")));
    const bool was_master = json_string(last, "to") == "MASTER" || state == "MASTER";
    stat(2, Value::integer(was_master ? new_master_reason(json_string(last, "reason")) : 0));
    stat(3, Value::counter64(u64(counters, "adverts_received")));
    stat(4, Value::counter64(u64(drops, "vrrpv3StatisticsAdvIntervalErrors")));
    stat(5, Value::counter64(u64(drops, "vrrpv3StatisticsIpTtlErrors")));
    stat(6, Value::integer(0));  // noError until take_proto_errors() sees a counter rise
    stat(7, Value::counter64(u64(counters, "priority_zero_received")));
    stat(8, Value::counter64(u64(counters, "priority_zero_sent")));
    stat(9, Value::counter64(u64(drops, "vrrpv3StatisticsRcvdInvalidTypePackets")));
    stat(10, Value::counter64(u64(drops, "vrrpv3StatisticsAddressListErrors")));
    stat(11, Value::counter64(u64(drops, "vrrpv3StatisticsPacketLengthErrors")));
    stat(12, Value::timeticks(0));      // counters never restart while the agent runs
    stat(13, Value::unsigned32(1000));  // the view is refreshed every second
    proto_errors_[name] = {
        u64(drops, "vrrpv3StatisticsIpTtlErrors"), u64(drops, "vrrpv3RouterVersionErrors"),
        u64(drops, "vrrpv3RouterChecksumErrors"), u64(drops, "vrrpv3RouterVrIdErrors")};
    router_checksum += u64(drops, "vrrpv3RouterChecksumErrors");
    router_version += u64(drops, "vrrpv3RouterVersionErrors");
    router_vrid += u64(drops, "vrrpv3RouterVrIdErrors");
  }
  auto scalar = [&](uint32_t n, Value v) {
    Oid tail = {n, 0};
    vrrp_[join({&root, &kStatisticsScalars, &tail})] = v;
  };
  scalar(1, Value::counter64(router_checksum));
  scalar(2, Value::counter64(router_version));
  scalar(3, Value::counter64(router_vrid));
  scalar(4, Value::timeticks(0));
}

void MibView::add_servers(const nlohmann::json& status) {
  const auto& root = hadirector_mib();
  const nlohmann::json list = status.value("virtual_servers", nlohmann::json::array());
  uint32_t vs_index = 0;
  for (const auto& vs : list) {
    const Oid vsi = {++vs_index};
    auto col = [&](uint32_t c, Value v) {
      hadirector_[column(root, kVirtualServerEntry, c, vsi)] = v;
    };
    const nlohmann::json reals = vs.value("real_servers", nlohmann::json::array());
    uint64_t up = 0;
    for (const auto& rs : reals) up += json_string(rs, "state") == "up" ? 1 : 0;
    const IpvsTotals stats = service_totals(vs);
    col(2, Value::octets_of(json_string(vs, "name")));
    col(3, Value::octets_of(json_string(vs, "address")));
    col(4, Value::octets_of(json_string(vs, "protocol")));
    col(5, Value::octets_of(json_string(vs, "scheduler")));
    col(6, Value::integer(json_bool(vs, "quorum_ok", true) ? 1 : 2));
    col(7, Value::gauge(reals.size()));
    col(8, Value::gauge(up));
    col(9, Value::counter64(stats.connections));
    col(10, Value::counter64(stats.in_packets));
    col(11, Value::counter64(stats.out_packets));
    col(12, Value::counter64(stats.in_bytes));
    col(13, Value::counter64(stats.out_bytes));
    uint32_t rs_index = 0;
    for (const auto& rs : reals) {
      const Oid index = {vs_index, ++rs_index};
      rs_index_[{json_string(vs, "name"), json_string(rs, "address")}] = index;
      auto rcol = [&](uint32_t c, Value v) {
        hadirector_[column(root, kRealServerEntry, c, index)] = v;
      };
      const IpvsTotals rstats = destination_totals(vs, json_string(rs, "address"));
      const nlohmann::json weight = rs.value("weight", nlohmann::json(0));
      rcol(2, Value::octets_of(json_string(rs, "address")));
      rcol(3, Value::integer(real_server_state(json_string(rs, "state"))));
      rcol(4, Value::integer(weight.is_number_integer() ? weight.get<int64_t>() : 0));
      rcol(5, Value::integer(int64_t(u64(rs, "configured_weight"))));
      rcol(6, Value::integer(json_bool(rs, "healthy") ? 1 : 2));
      rcol(7, Value::octets_of(json_string(rs, "reason")));
      rcol(8, Value::gauge(rstats.active));
      rcol(9, Value::gauge(rstats.inactive));
      rcol(10, Value::counter64(rstats.connections));
      rcol(11, Value::counter64(rstats.in_bytes));
      rcol(12, Value::counter64(rstats.out_bytes));
    }
  }
}

const Value* MibView::get(const Table& table, const Oid& oid) {
  auto it = table.find(oid);
  return it == table.end() ? nullptr : &it->second;
}

const std::pair<const Oid, Value>* MibView::next(const Table& table, const Oid& oid) {
  auto it = table.upper_bound(oid);
  return it == table.end() ? nullptr : &*it;
}

std::optional<std::vector<Varbind>> MibView::new_master(const std::string& instance,
                                                        const std::string& reason) const {
  auto it = instance_index_.find(instance);
  if (it == instance_index_.end()) return std::nullopt;
  const auto& root = vrrpv3_mib();
  const Oid notification = {0, 1};
  const Oid master = column(root, kOperationsEntry, 3, it->second);
  const Value* address = get(vrrp_, master);
  return std::vector<Varbind>{
      {snmp_trap_oid(), Value::oid_of(join({&root, &notification}))},
      {master, address ? *address : Value::octets_of("")},
      {column(root, kStatisticsEntry, 2, it->second), Value::integer(new_master_reason(reason))}};
}

std::map<std::string, std::vector<Varbind>> MibView::take_proto_errors(const MibView& before) {
  const auto& root = vrrpv3_mib();
  const Oid notification = {0, 2};
  std::map<std::string, std::vector<Varbind>> out;
  for (const auto& [name, now] : proto_errors_) {
    const Oid reason_oid = column(root, kStatisticsEntry, 6, instance_index_.at(name));
    auto old = before.proto_errors_.find(name);
    // An instance new to the view (or the first view) is a baseline, not a rise.
    if (old == before.proto_errors_.end()) continue;
    uint64_t most = 0;
    int reason = 0;  // noError
    for (size_t k = 0; k < now.size(); ++k) {
      // A restarted VRRP worker starts its counters again: a drop is not a rise.
      const uint64_t was = old->second[k];
      if (now[k] > was && now[k] - was > most) {
        most = now[k] - was;
        reason = int(k) + 1;  // ipTtlError(1), versionError(2), checksumError(3), vrIdError(4)
      }
    }
    if (reason == 0) {
      if (const Value* kept = get(before.vrrp_, reason_oid)) vrrp_[reason_oid] = *kept;
      continue;
    }
    vrrp_[reason_oid] = Value::integer(reason);
    out[name] = {{snmp_trap_oid(), Value::oid_of(join({&root, &notification}))},
                 {reason_oid, Value::integer(reason)}};
  }
  return out;
}

bool NotifyThrottle::allow(const std::string& key, std::chrono::steady_clock::time_point now) {
  auto [it, fresh] = last_.try_emplace(key, now);
  if (fresh) return true;
  if (now - it->second < interval_) return false;
  it->second = now;
  return true;
}

std::optional<std::vector<Varbind>> MibView::real_server_change(const std::string& vs,
                                                                const std::string& rs,
                                                                const std::string& reason) const {
  auto it = rs_index_.find({vs, rs});
  if (it == rs_index_.end()) return std::nullopt;
  const auto& root = hadirector_mib();
  const Oid notification = {0, 1};
  const Oid vs_index = {it->second[0]};
  std::vector<Varbind> out = {{snmp_trap_oid(), Value::oid_of(join({&root, &notification}))}};
  auto add = [&](const Oid& oid) {
    if (const Value* v = get(hadirector_, oid)) out.push_back({oid, *v});
  };
  add(column(root, kVirtualServerEntry, 2, vs_index));
  add(column(root, kRealServerEntry, 2, it->second));
  add(column(root, kRealServerEntry, 3, it->second));
  out.push_back({column(root, kRealServerEntry, 7, it->second), Value::octets_of(reason)});
  return out;
}

}  // namespace hadirector::daemon::snmp
