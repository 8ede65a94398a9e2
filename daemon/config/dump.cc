// dump_yaml: the normalized configuration, every default written out, in the order of the
// annotated example. Re-parsing the output gives an equal Config (the fuzz target checks it).
#include <sys/socket.h>
#include <yaml-cpp/emitter.h>
#include <yaml-cpp/emittermanip.h>

#include "daemon/config/config.h"

namespace hadirector::config {
namespace {

using YAML::BeginMap, YAML::EndMap, YAML::BeginSeq, YAML::EndSeq, YAML::Key, YAML::Value;

class Writer {
 public:
  YAML::Emitter& e;

  template <typename T>
  void kv(const char* key, const T& value) {
    e << Key << key << Value << value;
  }
  void kv(const char* key, const std::string& value) {
    e << Key << key << Value;
    scalar(value);
  }
  // yaml-cpp writes some control characters (a lone "\r") unquoted, and they would not read
  // back; double quotes escape them.
  void scalar(const std::string& value) {
    bool plain_safe = true;
    for (unsigned char c : value) plain_safe &= c >= 0x20 && c != 0x7f;
    if (!plain_safe) e << YAML::DoubleQuoted;
    e << value;
  }
  void kv(const char* key, Duration d) { kv(key, format_duration(d)); }
  void kv(const char* key, bool b) { e << Key << key << Value << (b ? "true" : "false"); }
  template <typename T>
  void kv_opt(const char* key, const std::optional<T>& value) {
    if (value) kv(key, *value);
  }
  void list(const char* key, const std::vector<std::string>& items) {
    e << Key << key << Value << YAML::Flow << BeginSeq;
    for (const std::string& item : items) scalar(item);
    e << EndSeq;
  }
  void node(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kNull:
        e << YAML::Null;
        break;
      case Node::Kind::kScalar:
        scalar(n.scalar);
        break;
      case Node::Kind::kSequence:
        e << BeginSeq;
        for (const Node& item : n.items) node(item);
        e << EndSeq;
        break;
      case Node::Kind::kMap:
        e << BeginMap;
        entries(n);
        e << EndMap;
        break;
    }
  }
  // A map's entries, written into the map being emitted.
  void entries(const Node& n) {
    for (const auto& [k, v] : n.entries) {
      e << Key;
      scalar(k);
      e << Value;
      node(v);
    }
  }
};

void write_global(Writer& w, const Global& g) {
  w.e << Key << "global" << Value << BeginMap;
  w.kv("router_id", g.router_id);
  w.kv("state_dir", g.state_dir);
  w.kv_opt("script_user", g.script_user);
  w.kv("log_level", to_string(g.log_level));
  w.e << EndMap;
}

// The probe timing keys that scripts and checks share.
void write_timing(Writer& w, Duration interval, Duration timeout, int rise, int fall) {
  w.kv("interval", interval);
  w.kv("timeout", timeout);
  w.kv("rise", rise);
  w.kv("fall", fall);
}

void write_script(Writer& w, const VrrpScript& s) {
  w.e << BeginMap;
  w.kv("name", s.name);
  if (s.shell)
    w.kv("command", s.command.empty() ? std::string() : s.command.front());
  else
    w.list("command", s.command);
  w.kv("shell", s.shell);
  w.kv_opt("user", s.user);
  write_timing(w, s.interval, s.timeout, s.rise, s.fall);
  w.kv("weight", s.weight);
  w.e << EndMap;
}

template <typename T, typename Fn>
void write_maps(Writer& w, const char* key, const std::vector<T>& items, Fn fn) {
  w.e << Key << key << Value << BeginSeq;
  for (const T& item : items) {
    w.e << YAML::Flow << BeginMap;
    fn(item);
    w.e << EndMap;
  }
  w.e << EndSeq;
}

void write_track(Writer& w, const Track& t) {
  w.e << Key << "track" << Value << BeginMap;
  write_maps(w, "interfaces", t.interfaces, [&](const TrackInterface& x) {
    w.kv("name", x.name);
    w.kv("weight", x.weight);
  });
  write_maps(w, "scripts", t.scripts, [&](const TrackScript& x) {
    w.kv("name", x.name);
    w.kv_opt("weight", x.weight);
  });
  write_maps(w, "virtual_servers", t.virtual_servers, [&](const TrackVirtualServer& x) {
    w.kv("name", x.name);
    w.kv("weight", x.weight);
  });
  write_maps(w, "files", t.files, [&](const TrackFile& x) {
    w.kv("path", x.path);
    w.kv("weight", x.weight);
  });
  w.e << EndMap;
}

void write_notify(Writer& w, const Notify& n) {
  w.e << Key << "notify" << Value << BeginMap;
  w.list("master", n.master);
  w.list("backup", n.backup);
  w.list("fault", n.fault);
  w.list("stop", n.stop);
  w.list("any", n.any);
  w.e << EndMap;
}

void write_instance_protocol(Writer& w, const VrrpInstance& i) {
  w.kv("version", i.version);
  w.kv("advert_interval", i.advert_interval);
  w.kv("preempt", i.preempt);
  w.kv("preempt_delay", i.preempt_delay);
  if (i.version == 3) w.kv("accept", i.accept);
  if (i.version == 3 && i.family == AF_INET)
    w.kv("checksum_pseudo_header", i.checksum_pseudo_header);
  w.kv("vmac", i.vmac);
  if (i.version == 2) w.kv_opt("auth_password", i.auth_password);
}

// Key ids and files only: a dump never carries a secret.
void write_authentication(Writer& w, const Authentication& a) {
  w.e << Key << "authentication" << Value << BeginMap;
  w.kv("type", std::string("hmac-sha256"));
  w.e << Key << "keys" << Value << BeginSeq;
  for (const AuthKeyConfig& k : a.keys) {
    w.e << BeginMap;
    w.kv("id", k.id);
    w.kv("secret_file", k.secret_file);
    w.e << EndMap;
  }
  w.e << EndSeq;
  w.kv("send_key", a.send_key);
  w.kv("mode", std::string(a.permissive ? "permissive" : "enforce"));
  w.kv("replay", std::string(a.replay_monotonic ? "monotonic" : "time"));
  w.kv_opt("window", a.window);
  w.e << EndMap;
}

void write_instance(Writer& w, const VrrpInstance& i) {
  w.e << BeginMap;
  w.kv("name", i.name);
  w.kv("interface", i.interface);
  w.kv("vrid", i.vrid);
  w.kv("priority", i.priority);
  write_instance_protocol(w, i);
  std::vector<std::string> vips;
  for (const IpPrefix& p : i.virtual_addresses) vips.push_back(p.to_string());
  w.list("virtual_addresses", vips);
  if (i.unicast) {
    w.e << Key << "unicast" << Value << BeginMap;
    if (i.unicast->source) w.kv("source", i.unicast->source->to_string());
    std::vector<std::string> peers;
    for (const IpAddress& a : i.unicast->peers) peers.push_back(a.to_string());
    w.list("peers", peers);
    w.e << EndMap;
  }
  if (i.authentication) write_authentication(w, *i.authentication);
  write_track(w, i.track);
  write_notify(w, i.notify);
  w.e << Key << "garp" << Value << BeginMap;
  w.kv("count", i.garp.count);
  w.kv("interval", i.garp.interval);
  w.kv("repeat", i.garp.repeat);
  w.e << EndMap << EndMap;
}

void write_vrrp(Writer& w, const VrrpSettings& v) {
  w.e << Key << "vrrp" << Value << BeginMap;
  w.kv("realtime", v.realtime);
  w.e << Key << "scripts" << Value << BeginSeq;
  for (const VrrpScript& s : v.scripts) write_script(w, s);
  w.e << EndSeq << Key << "instances" << Value << BeginSeq;
  for (const VrrpInstance& i : v.instances) write_instance(w, i);
  w.e << EndSeq;
  write_maps(w, "sync_groups", v.sync_groups, [&](const SyncGroup& g) {
    w.kv("name", g.name);
    w.list("instances", g.instances);
    write_notify(w, g.notify);
  });
  w.e << EndMap;
}

void write_check(Writer& w, const CheckSpec& c) {
  w.e << BeginMap;
  w.kv("type", c.type);
  write_timing(w, c.interval, c.timeout, c.rise, c.fall);
  w.kv_opt("fast_interval", c.fast_interval);
  w.kv_opt("down_interval", c.down_interval);
  w.kv("start_state", to_string(c.start_state));
  if (c.port) w.kv("port", static_cast<int>(*c.port));
  w.entries(c.params);
  w.e << EndMap;
}

void write_real_server(Writer& w, const RealServer& rs) {
  w.e << BeginMap;
  w.kv("address", rs.address.to_string());
  w.kv("weight", rs.weight);
  if (rs.forwarding) w.kv("forwarding", to_string(*rs.forwarding));
  w.kv_opt("upper_threshold", rs.upper_threshold);
  w.kv_opt("lower_threshold", rs.lower_threshold);
  w.e << Key << "checks" << Value << BeginSeq;
  for (const CheckSpec& c : rs.checks) write_check(w, c);
  w.e << EndSeq << EndMap;
}

bool uses_tun(const VirtualServer& vs) {
  bool tun = vs.forwarding == Forwarding::kTun;
  for (const RealServer& rs : vs.real_servers) tun |= rs.forwarding == Forwarding::kTun;
  return tun;
}

void write_virtual_server(Writer& w, const VirtualServer& vs) {
  w.e << BeginMap;
  w.kv("name", vs.name);
  if (vs.address && vs.more_addresses.empty()) w.kv("address", vs.address->to_string());
  if (vs.address && !vs.more_addresses.empty()) {
    std::vector<std::string> all{vs.address->to_string()};
    for (const Endpoint& ep : vs.more_addresses) all.push_back(ep.to_string());
    w.list("addresses", all);
  }
  if (vs.address) w.kv("protocol", to_string(vs.protocol));
  if (vs.fwmark && vs.more_fwmarks.empty()) w.kv("fwmark", *vs.fwmark);
  if (!vs.more_fwmarks.empty()) {
    std::vector<std::string> marks;
    if (vs.fwmark) marks.push_back(std::to_string(*vs.fwmark));
    for (uint32_t m : vs.more_fwmarks) marks.push_back(std::to_string(m));
    w.list("fwmarks", marks);
  }
  w.kv("scheduler", vs.scheduler);
  w.list("scheduler_flags", vs.scheduler_flags);
  if (vs.persistence) {
    w.e << Key << "persistence" << Value << BeginMap;
    w.kv("timeout", vs.persistence->timeout);
    if (vs.persistence->netmask) w.kv("netmask", vs.persistence->netmask->to_string());
    w.e << EndMap;
  }
  w.kv("forwarding", to_string(vs.forwarding));
  if (uses_tun(vs)) w.kv("tunnel_type", to_string(vs.tunnel_type));
  w.kv("quorum", vs.quorum);
  w.kv("quorum_hysteresis", vs.quorum_hysteresis);
  if (vs.sorry_server) w.kv("sorry_server", vs.sorry_server->to_string());
  w.kv("on_failure", to_string(vs.on_failure));
  w.kv("max_ejected", std::to_string(vs.max_ejected_percent) + "%");
  w.kv_opt("follow_instance", vs.follow_instance);
  w.kv("remove_drain_time", vs.remove_drain_time);
  w.kv("slow_start", vs.slow_start);
  w.e << Key << "real_servers" << Value << BeginSeq;
  for (const RealServer& rs : vs.real_servers) write_real_server(w, rs);
  w.e << EndSeq << EndMap;
}

void write_sync(Writer& w, const SyncConfig& s) {
  w.e << Key << "sync" << Value << BeginMap;
  w.kv("interface", s.interface);
  w.kv("sync_id", s.sync_id);
  if (s.mode == SyncMode::kBoth)
    w.kv("mode", "both");
  else
    w.kv("follow_instance", s.follow_instance);
  if (s.mcast_group) w.kv("mcast_group", s.mcast_group->to_string());
  if (s.port) w.kv("port", static_cast<int>(*s.port));
  w.kv_opt("ttl", s.ttl);
  w.kv_opt("maxlen", s.maxlen);
  w.e << Key << "sysctls" << Value << BeginMap;
  for (const auto& [name, values] : s.sysctls) {
    w.e << Key << name << Value;
    if (values.size() == 1) {
      w.e << values.front();
    } else {
      w.e << YAML::Flow << BeginSeq;
      for (int64_t v : values) w.e << v;
      w.e << EndSeq;
    }
  }
  w.e << EndMap << EndMap;
}

void write_control(Writer& w, const ControlConfig& c) {
  w.e << Key << "control" << Value << BeginMap;
  if (c.metrics_listen) w.kv("metrics_listen", c.metrics_listen->to_string());
  w.kv_opt("read_group", c.read_group);
  w.kv("max_clients", c.max_clients);
  w.e << EndMap;
}

}  // namespace

std::string dump_yaml(const Config& config) {
  YAML::Emitter e;
  Writer w{e};
  e << BeginMap;
  w.kv("version", 1);
  write_global(w, config.global);
  write_vrrp(w, config.vrrp);
  e << Key << "virtual_servers" << Value << BeginSeq;
  for (const VirtualServer& vs : config.virtual_servers) write_virtual_server(w, vs);
  e << EndSeq;
  if (config.sync) write_sync(w, *config.sync);
  write_control(w, config.control);
  if (config.snmp) {
    e << Key << "snmp" << Value << BeginMap;
    w.kv("agentx_socket", config.snmp->agentx_socket);
    e << EndMap;
  }
  e << EndMap;
  return std::string(e.c_str()) + "\n";
}

const char* to_string(LogLevel level) {
  constexpr const char* kNames[] = {"debug", "info", "notice", "warning", "error"};
  return kNames[static_cast<int>(level)];
}
const char* to_string(Protocol protocol) {
  constexpr const char* kNames[] = {"tcp", "udp", "sctp"};
  return kNames[static_cast<int>(protocol)];
}
const char* to_string(Forwarding forwarding) {
  constexpr const char* kNames[] = {"dr", "nat", "tun"};
  return kNames[static_cast<int>(forwarding)];
}
const char* to_string(TunnelType tunnel_type) {
  constexpr const char* kNames[] = {"ipip", "gue", "gre"};
  return kNames[static_cast<int>(tunnel_type)];
}
const char* to_string(OnFailure on_failure) {
  return on_failure == OnFailure::kInhibit ? "inhibit" : "remove";
}
const char* to_string(StartState state) { return state == StartState::kUp ? "up" : "down"; }

}  // namespace hadirector::config
