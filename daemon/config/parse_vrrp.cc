// The `vrrp` section: settings, scripts, the instances list and sync groups. One instance's
// own keys are in parse_instance.cc.
#include <sys/socket.h>

#include <tuple>

#include "daemon/config/parse.h"

namespace hadirector::config::detail {
namespace {

std::optional<VrrpScript> parse_script(const Node& node, ParseContext& ctx) {
  MapReader r(&node, "vrrp script", ctx.errors);
  if (!r.is_map()) return std::nullopt;
  VrrpScript out;
  out.origin.mark = node.mark;
  r.read("name", out.name, true);
  r.read("shell", out.shell);
  if (const Node* command = r.require("command")) {
    if (out.shell) {
      if (command->kind == Node::Kind::kScalar && !command->scalar.empty())
        out.command = {command->scalar};
      else
        r.errors().add(command->mark,
                       "with 'shell: true', 'command' must be one string run by "
                       "/bin/sh -c, got " +
                           std::string(kind_name(*command)));
    } else if (command->kind == Node::Kind::kScalar) {
      r.errors().add(command->mark,
                     "'command' must be a list (argv); to run a shell command "
                     "line, set 'shell: true'");
    } else if (auto argv = to_str_list(*command, "command", r.errors())) {
      if (argv->empty()) r.errors().add(command->mark, "'command' must not be empty");
      out.command = std::move(*argv);
    }
  }
  r.read("user", out.user);
  read_timing(r, out.interval, out.timeout, out.rise, out.fall);
  out.weight = read_weight(r, 0);
  r.finish();
  return out;
}

std::optional<SyncGroup> parse_sync_group(const Node& node, ParseContext& ctx,
                                          std::map<std::string, std::string>& group_of) {
  MapReader r(&node, "sync group", ctx.errors);
  if (!r.is_map()) return std::nullopt;
  SyncGroup out;
  r.read("name", out.name, true);
  const Node* instances = r.require("instances");
  for (const Node& item : *to_list(instances, "instances", ctx.errors)) {
    auto name = to_nonempty_str(item, "instances", ctx.errors);
    if (!name) continue;
    if (!ctx.names.instances.contains(*name)) {
      ctx.errors.add(item.mark, "sync group '" + out.name + "' lists '" + *name +
                                    "', which is not a vrrp instance");
    } else if (auto [it, fresh] = group_of.emplace(*name, out.name); !fresh) {
      ctx.errors.add(item.mark,
                     "vrrp instance '" + *name + "' is already in sync group '" + it->second + "'");
    }
    out.instances.push_back(*name);
  }
  bool listed_none = instances != nullptr && (instances->kind == Node::Kind::kSequence ||
                                              instances->kind == Node::Kind::kNull);
  if (listed_none && instances->items.empty())
    ctx.errors.add(instances->mark, "sync group 'instances' must list at least one instance");
  parse_notify(r, out.notify);
  r.finish();
  return out;
}

// RFC 5798 §5.2.3: a VRID identifies a router per LAN and family, so two instances on the
// same interface and family cannot share one.
void check_vrids(const std::vector<const Node*>& nodes, const std::vector<VrrpInstance>& list,
                 Errors& errors) {
  std::map<std::tuple<std::string, int, int>, std::pair<std::string, Mark>> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const VrrpInstance& inst = list[i];
    const Node* vrid = nodes[i]->find("vrid");
    if (vrid == nullptr || inst.vrid == 0 || inst.family == 0) continue;
    auto [it, fresh] = seen.emplace(std::tuple(inst.interface, inst.family, inst.vrid),
                                    std::pair(inst.name, vrid->mark));
    if (!fresh)
      errors.add(vrid->mark, "vrid " + std::to_string(inst.vrid) + " is already used on " +
                                 inst.interface + " (" + family_name(inst.family) +
                                 ") by instance '" + it->second.first + "' at " +
                                 line_col(it->second.second));
  }
}

}  // namespace

void read_timing(MapReader& reader, Duration& interval, Duration& timeout, int& rise, int& fall) {
  reader.read("interval", interval);
  reader.read("timeout", timeout);
  reader.read("rise", rise, 1, 1000);
  reader.read("fall", fall, 1, 1000);
  const Node* interval_node = reader.get("interval");
  const Node* timeout_node = reader.get("timeout");
  if (interval <= Duration::zero() && interval_node != nullptr)
    reader.errors().add(interval_node->mark, "'interval' must be longer than 0s");
  if (timeout <= Duration::zero() && timeout_node != nullptr)
    reader.errors().add(timeout_node->mark, "'timeout' must be longer than 0s");
  else if (timeout > interval && interval > Duration::zero()) {
    const Node* at = timeout_node ? timeout_node : interval_node;
    reader.errors().add(at ? at->mark : reader.mark(),
                        "'timeout' (" + format_duration(timeout) + ") must not be longer than " +
                            "'interval' (" + format_duration(interval) + ")");
  }
}

int read_weight(MapReader& reader, int default_weight) {
  int weight = default_weight;
  reader.read("weight", weight, -254, 254);
  return weight;
}

void parse_vrrp(const Node* node, ParseContext& ctx, VrrpSettings& out) {
  MapReader r(node, "vrrp", ctx.errors);
  r.read("realtime", out.realtime);
  out.scripts = parse_named_list<VrrpScript>(r.get("scripts"), "scripts", "vrrp script", ctx,
                                             [&](const Node& n) { return parse_script(n, ctx); });
  std::vector<const Node*> instance_nodes;
  out.instances = parse_named_list<VrrpInstance>(r.get("instances"), "instances", "vrrp instance",
                                                 ctx, [&](const Node& n) {
                                                   auto instance = parse_instance(n, ctx);
                                                   if (instance) instance_nodes.push_back(&n);
                                                   return instance;
                                                 });
  check_vrids(instance_nodes, out.instances, ctx.errors);
  std::map<std::string, std::string> group_of;
  out.sync_groups = parse_named_list<SyncGroup>(
      r.get("sync_groups"), "sync_groups", "sync group", ctx,
      [&](const Node& n) { return parse_sync_group(n, ctx, group_of); });
  r.finish();
}

}  // namespace hadirector::config::detail
