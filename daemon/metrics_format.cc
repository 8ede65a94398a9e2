// The /metrics body. Names follow the Prometheus conventions: hadirector_ prefix, counters end in
// _total, durations in seconds. The VRRP instance label is `vrrp_instance`, not `instance`,
// which Prometheus reserves for the scrape target.
#include "daemon/metrics_format.h"

#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <optional>
#include <utility>

#include "daemon/metrics_check_stats.h"

namespace hadirector::daemon {
namespace {

using nlohmann::json;
using Labels = std::vector<std::pair<std::string_view, std::string>>;

constexpr const char* kVrrpStates[] = {"INIT", "BACKUP", "MASTER", "FAULT"};

struct CounterField {
  const char* key;  // in the instance's "counters"
  const char* name;
  const char* help;
};
constexpr CounterField kVrrpCounters[] = {
    {"adverts_sent", "hadirector_vrrp_adverts_sent_total", "VRRP advertisements sent."},
    {"adverts_received", "hadirector_vrrp_adverts_received_total",
     "VRRP advertisements received and accepted."},
    {"send_errors", "hadirector_vrrp_send_errors_total",
     "VRRP advertisements that failed to send."},
    {"became_master", "hadirector_vrrp_became_master_total", "Transitions to MASTER."},
    {"transitions", "hadirector_vrrp_transitions_total", "VRRP state transitions, by reason."},
    {"vip_errors", "hadirector_vrrp_vip_errors_total",
     "Virtual addresses that could not be added or removed."},
};

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string format_number(const json& v) {
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number_float()) return format_double(v.get<double>());
  return "NaN";
}

std::string escape_help(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

class Family {
 public:
  Family(std::string name, const char* type, const char* help)
      : name_(std::move(name)), type_(type), help_(help) {}

  void add(const Labels& labels, const std::string& value) { add_suffixed("", labels, value); }
  // Histogram samples: NAME_bucket, NAME_sum, NAME_count under the one family NAME.
  void add_suffixed(std::string_view suffix, const Labels& labels, const std::string& value) {
    samples_ += name_;
    samples_ += suffix;
    if (!labels.empty()) {
      samples_ += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i) samples_ += ',';
        samples_ += labels[i].first;
        samples_ += "=\"" + escape_label_value(labels[i].second) + '"';
      }
      samples_ += '}';
    }
    samples_ += ' ' + value + '\n';
  }
  void add_number(const Labels& labels, const json& value) { add(labels, format_number(value)); }

  void write(std::string& out) const {
    if (samples_.empty()) return;
    out += "# HELP " + name_ + ' ' + escape_help(help_) + '\n';
    out += "# TYPE " + name_ + ' ' + type_ + '\n';
    out += samples_;
  }

 private:
  std::string name_;
  const char* type_;
  const char* help_;
  std::string samples_;
};

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

void supervisor_metrics(const SupervisorFacts& facts, std::string& out) {
  Family generation("hadirector_config_generation", "gauge",
                    "Generation of the running configuration; 1 at start, +1 per accepted reload.");
  generation.add({}, std::to_string(facts.generation));
  Family reload(
      "hadirector_last_reload_success", "gauge",
      "1 if the last reload was applied by every worker, 0 if it was rejected or failed.");
  reload.add({}, facts.last_reload_ok ? "1" : "0");
  Family up("hadirector_worker_up", "gauge", "1 if the worker process is running and ready.");
  Family restarts("hadirector_worker_restarts_total", "counter",
                  "Times the supervisor restarted the worker.");
  for (const auto& w : facts.workers) {
    up.add({{"worker", w.name}}, w.up ? "1" : "0");
    restarts.add({{"worker", w.name}}, std::to_string(w.restarts));
  }
  for (const Family* f : {&generation, &reload, &up, &restarts}) f->write(out);
}

void vrrp_metrics(const json& status, std::string& out) {
  Family state("hadirector_vrrp_state", "gauge",
               "1 for the VRRP instance's current state, 0 for the other states.");
  Family priority("hadirector_vrrp_priority", "gauge", "Configured VRRP priority.");
  Family effective("hadirector_vrrp_effective_priority", "gauge",
                   "VRRP priority after tracking adjustments, as advertised.");
  std::vector<Family> counters;
  for (const auto& c : kVrrpCounters) counters.emplace_back(c.name, "counter", c.help);
  Family drops("hadirector_vrrp_drops_total", "counter",
               "Received VRRP packets discarded, by reason (RFC 6527 counter names).");
  const json& instances = member(member(status, "vrrp"), "instances");
  for (const auto& i : instances.is_array() ? instances : json::array()) {
    const std::string name = text(i, "name");
    const std::string current = text(i, "state");
    for (const char* s : kVrrpStates)
      state.add({{"vrrp_instance", name}, {"state", s}}, current == s ? "1" : "0");
    if (i.contains("priority")) priority.add_number({{"vrrp_instance", name}}, i["priority"]);
    if (i.contains("effective_priority"))
      effective.add_number({{"vrrp_instance", name}}, i["effective_priority"]);
    const json& c = member(i, "counters");
    for (size_t k = 0; k < std::size(kVrrpCounters); ++k) {
      const json& v = member(c, kVrrpCounters[k].key);
      if (v.is_number()) counters[k].add_number({{"vrrp_instance", name}}, v);
      if (!v.is_object()) continue;  // "transitions" is by reason code
      for (const auto& [reason, n] : v.items())
        if (n.is_number()) counters[k].add_number({{"vrrp_instance", name}, {"reason", reason}}, n);
    }
    const json& d = member(i, "drops");
    if (!d.is_object()) continue;
    for (auto it = d.begin(); it != d.end(); ++it)
      if (it->is_number()) drops.add_number({{"vrrp_instance", name}, {"reason", it.key()}}, *it);
  }
  state.write(out);
  priority.write(out);
  effective.write(out);
  for (const auto& f : counters) f.write(out);
  drops.write(out);
}

struct ServerFamilies {
  Family quorum{"hadirector_virtual_server_quorum_ok", "gauge",
                "1 if the virtual server has its quorum of healthy real servers."};
  Family up{"hadirector_real_server_up", "gauge", "1 if the real server is healthy."};
  Family weight{"hadirector_real_server_weight", "gauge",
                "Weight given to the real server in IPVS (0 when out of rotation)."};
  Family configured{"hadirector_real_server_configured_weight", "gauge",
                    "Weight of the real server in the configuration."};
  Family check_up{"hadirector_check_up", "gauge", "1 if the health check's last verdict is up."};
  Family latency{"hadirector_check_latency_seconds", "gauge",
                 "Duration of the health check's last completed run."};

  void write(std::string& out) const {
    for (const Family* f : {&quorum, &up, &weight, &configured, &check_up, &latency}) f->write(out);
  }
};

void real_server_metrics(const std::string& vs, const json& rs, ServerFamilies& f) {
  const Labels labels = {{"virtual_server", vs}, {"real_server", text(rs, "address")}};
  if (rs.contains("healthy")) f.up.add_number(labels, rs["healthy"]);
  if (rs.contains("weight")) f.weight.add_number(labels, rs["weight"]);
  if (rs.contains("configured_weight")) f.configured.add_number(labels, rs["configured_weight"]);
  const json& checks = member(rs, "checks");
  std::map<std::string, int> seen;  // a second check of one type is "http#2"
  for (const auto& c : checks.is_array() ? checks : json::array()) {
    std::string type = text(c, "type");
    int n = ++seen[type];
    Labels l = labels;
    l.emplace_back("check", n == 1 ? type : type + "#" + std::to_string(n));
    f.check_up.add(l, text(c, "state") == "up" ? "1" : "0");
    const json& ms = member(c, "last_latency_ms");
    if (ms.is_number()) f.latency.add(l, format_double(ms.get<double>() / 1000.0));
  }
}

// hadirector_check_duration_seconds (histogram) and hadirector_check_results_total from a
// virtual server's "check_stats" (CheckStats::to_json).
void check_stat_metrics(const std::string& vs, const json& stats, Family& duration,
                        Family& results) {
  if (!stats.is_object()) return;
  for (auto it = stats.begin(); it != stats.end(); ++it) {
    const Labels labels = {{"virtual_server", vs}, {"check", it.key()}};
    const json& buckets = member(*it, "buckets");
    if (!buckets.is_array() || buckets.size() != CheckStats::kBuckets.size()) continue;
    for (size_t i = 0; i < buckets.size(); ++i) {
      Labels l = labels;
      l.emplace_back("le", format_double(CheckStats::kBuckets[i]));
      duration.add_suffixed("_bucket", l, format_number(buckets[i]));
    }
    Labels inf = labels;
    inf.emplace_back("le", "+Inf");
    duration.add_suffixed("_bucket", inf, format_number(member(*it, "count")));
    duration.add_suffixed("_sum", labels, format_number(member(*it, "sum_s")));
    duration.add_suffixed("_count", labels, format_number(member(*it, "count")));
    const json& r = member(*it, "results");
    if (!r.is_object()) continue;
    for (auto reason = r.begin(); reason != r.end(); ++reason) {
      Labels l = labels;
      l.emplace_back("reason", reason.key());
      results.add_number(l, *reason);
    }
  }
}

// Live IPVS counters of each service of a virtual server and of its destinations.
struct IpvsCounterField {
  const char* key;  // in the status "stats" object
  const char* suffix;
  const char* type;
  const char* help;
};
constexpr IpvsCounterField kIpvsCounters[] = {
    {"connections", "connections_total", "counter", "Connections scheduled by IPVS."},
    {"in_packets", "in_packets_total", "counter", "Packets received from clients."},
    {"out_packets", "out_packets_total", "counter", "Packets sent to clients."},
    {"in_bytes", "in_bytes_total", "counter", "Bytes received from clients."},
    {"out_bytes", "out_bytes_total", "counter", "Bytes sent to clients."},
    {"connection_rate", "connections_per_second", "gauge", "Kernel estimate of connections/s."},
    {"in_byte_rate", "in_bytes_per_second", "gauge", "Kernel estimate of inbound bytes/s."},
    {"out_byte_rate", "out_bytes_per_second", "gauge", "Kernel estimate of outbound bytes/s."},
};

void ipvs_counter_metrics(const json& status, std::string& out) {
  std::vector<Family> service, dest;
  for (const auto& c : kIpvsCounters) {
    service.emplace_back(std::string("hadirector_ipvs_service_") + c.suffix, c.type, c.help);
    dest.emplace_back(std::string("hadirector_ipvs_destination_") + c.suffix, c.type, c.help);
  }
  Family active("hadirector_ipvs_destination_active_connections", "gauge",
                "Established connections to the real server.");
  Family inactive("hadirector_ipvs_destination_inactive_connections", "gauge",
                  "Other (closing, UDP) connections to the real server.");
  const json& list = member(status, "virtual_servers");
  for (const auto& vs : list.is_array() ? list : json::array()) {
    const json& services = member(vs, "services");
    for (const auto& s : services.is_array() ? services : json::array()) {
      const Labels labels = {{"virtual_server", text(vs, "name")}, {"service", text(s, "name")}};
      for (size_t k = 0; k < std::size(kIpvsCounters); ++k) {
        const json& v = member(member(s, "stats"), kIpvsCounters[k].key);
        if (v.is_number()) service[k].add_number(labels, v);
      }
      const json& dests = member(s, "destinations");
      for (const auto& d : dests.is_array() ? dests : json::array()) {
        Labels l = labels;
        l.emplace_back("real_server", text(d, "address"));
        for (size_t k = 0; k < std::size(kIpvsCounters); ++k) {
          const json& v = member(member(d, "stats"), kIpvsCounters[k].key);
          if (v.is_number()) dest[k].add_number(l, v);
        }
        if (member(d, "active_connections").is_number())
          active.add_number(l, d["active_connections"]);
        if (member(d, "inactive_connections").is_number())
          inactive.add_number(l, d["inactive_connections"]);
      }
    }
  }
  for (const auto& f : service) f.write(out);
  for (const auto& f : dest) f.write(out);
  active.write(out);
  inactive.write(out);
}

void server_metrics(const json& status, std::string& out) {
  ServerFamilies f;
  Family duration("hadirector_check_duration_seconds", "histogram",
                  "Duration of completed health-check runs, per virtual server and check type.");
  Family results("hadirector_check_results_total", "counter",
                 "Completed health-check runs by result reason, per virtual server and type.");
  const json& list = member(status, "virtual_servers");
  for (const auto& vs : list.is_array() ? list : json::array()) {
    const std::string name = text(vs, "name");
    if (vs.contains("quorum_ok")) f.quorum.add_number({{"virtual_server", name}}, vs["quorum_ok"]);
    const json& reals = member(vs, "real_servers");
    for (const auto& rs : reals.is_array() ? reals : json::array())
      real_server_metrics(name, rs, f);
    check_stat_metrics(name, member(vs, "check_stats"), duration, results);
  }
  f.write(out);
  duration.write(out);
  results.write(out);
  const json& ipvs = member(status, "ipvs");
  if (ipvs.is_string()) {
    Family available("hadirector_ipvs_available", "gauge",
                     "1 if the checker worker can program IPVS in the kernel.");
    available.add({}, ipvs.get<std::string>() == "ok" ? "1" : "0");
    available.write(out);
  }
  ipvs_counter_metrics(status, out);
}

// "2026-11-22T22:30:47Z" (CheckerSync's last_seen) as Unix seconds; nullopt when malformed.
std::optional<int64_t> unix_seconds(const std::string& iso) {
  std::tm tm{};
  const char* end = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

// The checker's "sync" section: role of the kernel sync daemons and what the sync monitor heard
// from each peer (source address) on the sync group.
void sync_metrics(const json& status, std::string& out) {
  const json& sync = member(status, "sync");
  const std::string role = text(sync, "role");
  if (role.empty()) return;
  Family roles("hadirector_sync_role", "gauge",
               "1 for the role the IPVS sync daemons run in, 0 for the other roles.");
  for (const char* r : {"none", "master", "backup", "both"})
    roles.add({{"role", r}}, role == r ? "1" : "0");
  Family messages("hadirector_sync_messages_received_total", "counter",
                  "IPVS sync messages received from the peer and decoded.");
  Family connections("hadirector_sync_connections_received_total", "counter",
                     "Connection entries carried by the peer's sync messages.");
  Family errors("hadirector_sync_receive_errors_total", "counter",
                "Datagrams from the peer that could not be decoded (any reason).");
  Family sync_id("hadirector_sync_peer_sync_id", "gauge",
                 "Sync id of the peer's last decoded message (-1 before the first).");
  Family seen("hadirector_sync_last_seen_timestamp_seconds", "gauge",
              "Unix time the sync monitor last heard the peer.");
  const json& monitor = member(sync, "monitor");
  const json& peers = member(monitor, "peers");
  static const json kNoPeers = json::object();
  for (const auto& [peer, p] : (peers.is_object() ? peers : kNoPeers).items()) {
    const Labels l = {{"peer", peer}};
    std::pair<const char*, Family*> numbers[] = {{"messages", &messages},
                                                 {"connections", &connections},
                                                 {"errors", &errors},
                                                 {"sync_id", &sync_id}};
    for (auto [key, family] : numbers)
      if (member(p, key).is_number()) family->add_number(l, p[key]);
    if (auto t = unix_seconds(text(p, "last_seen"))) seen.add(l, std::to_string(*t));
  }
  Family decode("hadirector_sync_decode_errors_total", "counter",
                "Sync datagrams the monitor could not decode, by reason (all peers).");
  const json& reasons = member(monitor, "errors");
  if (reasons.is_object())
    for (auto it = reasons.begin(); it != reasons.end(); ++it)
      if (it->is_number()) decode.add_number({{"reason", it.key()}}, *it);
  Family listening("hadirector_sync_monitor_listening", "gauge",
                   "1 if the sync monitor's socket on the sync group is open.");
  if (member(monitor, "listening").is_boolean()) listening.add_number({}, monitor["listening"]);
  for (const Family* f :
       {&roles, &messages, &connections, &errors, &sync_id, &seen, &decode, &listening})
    f->write(out);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_metrics(const nlohmann::json& status, const SupervisorFacts& facts) {
  std::string out;
  supervisor_metrics(facts, out);
  vrrp_metrics(status, out);
  server_metrics(status, out);
  sync_metrics(status, out);
  return out;
}

}  // namespace hadirector::daemon
