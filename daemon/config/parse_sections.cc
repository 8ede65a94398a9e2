// The small sections (`global`, `sync`, `control`, `snmp`) and the name bookkeeping shared by
// the section parsers.
#include <set>

#include "daemon/config/parse.h"

namespace hadirector::config::detail {
namespace {

void collect(const Node* list, std::set<std::string>& out) {
  if (list == nullptr || list->kind != Node::Kind::kSequence) return;
  for (const Node& item : list->items) {
    const Node* name = item.kind == Node::Kind::kMap ? item.find("name") : nullptr;
    if (name != nullptr && name->kind == Node::Kind::kScalar) out.insert(name->scalar);
  }
}

const Node* child(const Node* node, const char* key) {
  return node != nullptr && node->kind == Node::Kind::kMap ? node->find(key) : nullptr;
}

// The kernel's net.ipv4.vs sync sysctls that a sync section may set, with their ranges.
struct SysctlSpec {
  const char* name;
  int64_t min, max;
};
constexpr SysctlSpec kSysctls[] = {{"sync_version", 0, 1},
                                   {"sync_threshold", 0, 2147483647},
                                   {"sync_period", 0, 2147483647},
                                   {"sync_refresh_period", 0, 2147483647},
                                   {"sync_retries", 0, 3},
                                   {"sync_qlen_max", 1, 2147483647},
                                   {"sync_sock_size", 0, 2147483647},
                                   {"sync_ports", 1, 2147483647}};

void parse_sysctls(MapReader& parent, SyncConfig& out) {
  MapReader r(parent.get("sysctls"), "sync sysctls", parent.errors());
  for (const SysctlSpec& spec : kSysctls) {
    const Node* node = r.get(spec.name);
    if (node == nullptr) continue;
    std::vector<int64_t> values;
    bool pair = std::string_view(spec.name) == "sync_threshold";
    if (pair) {
      if (node->kind != Node::Kind::kSequence || node->items.size() != 2) {
        r.errors().add(node->mark,
                       "'sync_threshold' must be a list of two integers [THRESHOLD, "
                       "PERIOD], got " +
                           std::string(kind_name(*node)));
        continue;
      }
      for (const Node& item : node->items)
        if (auto v = to_int(item, spec.name, spec.min, spec.max, r.errors())) values.push_back(*v);
      if (values.size() == 2 && values[1] != 0 && values[0] >= values[1])
        r.errors().add(node->mark, "'sync_threshold' needs THRESHOLD < PERIOD (or PERIOD 0)");
    } else if (auto v = to_int(*node, spec.name, spec.min, spec.max, r.errors())) {
      values.push_back(*v);
    }
    if (values.size() == (pair ? 2u : 1u)) out.sysctls[spec.name] = std::move(values);
  }
  r.finish();
}

}  // namespace

bool UniqueNames::add(const std::string& name, const Mark& mark, Errors& errors) {
  if (name.empty()) return true;
  auto [it, fresh] = seen_.emplace(name, mark);
  if (!fresh)
    errors.add(mark, "duplicate " + what_ + " name '" + name + "' (first at " +
                         line_col(it->second) + ")");
  return fresh;
}

Names collect_names(const Node& root) {
  Names names;
  const Node* vrrp = child(&root, "vrrp");
  collect(child(vrrp, "scripts"), names.scripts);
  collect(child(vrrp, "instances"), names.instances);
  collect(child(&root, "virtual_servers"), names.virtual_servers);
  return names;
}

void parse_global(const Node* node, ParseContext& ctx, Global& out) {
  MapReader r(node, "global", ctx.errors);
  r.read("router_id", out.router_id);
  if (r.read("state_dir", out.state_dir) && out.state_dir.front() != '/')
    ctx.errors.add(r.get("state_dir")->mark, "'state_dir' must be an absolute path");
  r.read("script_user", out.script_user);
  r.read_choice("log_level", out.log_level, {"debug", "info", "notice", "warning", "error"});
  r.finish();
}

std::optional<SyncConfig> parse_sync(const Node* node, ParseContext& ctx) {
  if (node == nullptr) return std::nullopt;
  MapReader r(node, "sync", ctx.errors);
  SyncConfig out;
  r.read("interface", out.interface, true);
  r.read("sync_id", out.sync_id, 0, 255);
  const Node* follow = r.get("follow_instance");
  const Node* mode = r.get("mode");
  if (follow && mode) {
    ctx.errors.add(mode->mark, "set either 'follow_instance' or 'mode: both', not both");
  } else if (!follow && !mode && r.is_map()) {
    ctx.errors.add(r.mark(), "sync needs 'follow_instance: INSTANCE' or 'mode: both'");
  }
  if (mode && to_choice(*mode, "mode", {"both"}, ctx.errors)) out.mode = SyncMode::kBoth;
  if (follow && !mode && r.read("follow_instance", out.follow_instance) &&
      !out.follow_instance.empty() && !ctx.names.instances.contains(out.follow_instance))
    ctx.errors.add(follow->mark,
                   "follow_instance '" + out.follow_instance + "' is not a vrrp instance");
  if (const Node* group = r.get("mcast_group")) {
    out.mcast_group = to_address(*group, "mcast_group", ctx.errors);
    if (out.mcast_group && !out.mcast_group->is_multicast())
      ctx.errors.add(group->mark, "'mcast_group' must be a multicast address");
  }
  int value = 0;
  if (r.read("port", value, 1, 65535)) out.port = static_cast<uint16_t>(value);
  if (r.read("ttl", value, 1, 255)) out.ttl = value;
  if (r.read("maxlen", value, 1, 65535)) out.maxlen = value;
  parse_sysctls(r, out);
  r.finish();
  return out;
}

void parse_control(const Node* node, ParseContext& ctx, ControlConfig& out) {
  MapReader r(node, "control", ctx.errors);
  if (const Node* listen = r.get("metrics_listen"))
    out.metrics_listen = to_endpoint(*listen, "metrics_listen", ctx.errors);
  r.read("read_group", out.read_group);
  r.read("max_clients", out.max_clients, 1, 65535);
  r.finish();
}

std::optional<SnmpConfig> parse_snmp(const Node* node, ParseContext& ctx) {
  if (node == nullptr) return std::nullopt;
  MapReader r(node, "snmp", ctx.errors);
  SnmpConfig out;
  r.read("agentx_socket", out.agentx_socket);
  r.finish();
  return out;
}

}  // namespace hadirector::config::detail
