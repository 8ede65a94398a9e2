// The `virtual_servers` section: services (address+protocol or fwmark), scheduling,
// persistence, forwarding, quorum, their real servers and the common keys of health checks.
#include <sys/socket.h>

#include <charconv>

#include "daemon/config/parse.h"

namespace hadirector::config::detail {
namespace {

constexpr int64_t kMaxU32 = 4294967295;
constexpr int64_t kMaxInt = 2147483647;

// Where each IPVS service was first configured, so two virtual servers cannot claim one.
using ServiceOwners = std::map<std::string, std::pair<std::string, Mark>>;

// The nodes of `single` (one value) or `list` (a virtual-server group), in file order.
std::vector<const Node*> member_nodes(const Node* single, const Node* list, std::string_view key,
                                      Errors& errors) {
  std::vector<const Node*> out;
  if (single) out.push_back(single);
  if (!list) return out;
  for (const Node& item : *to_list(list, key, errors)) out.push_back(&item);
  if (out.empty()) errors.add(list->mark, "'" + std::string(key) + "' needs at least one entry");
  return out;
}

void parse_group_addresses(const std::vector<const Node*>& nodes, MapReader& r,
                           VirtualServer& out) {
  std::map<Endpoint, Mark> seen;
  for (const Node* node : nodes) {
    auto ep = to_endpoint(*node, "address", r.errors());
    if (!ep) continue;
    if (auto [it, fresh] = seen.emplace(*ep, node->mark); !fresh) {
      r.errors().add(node->mark, "address " + ep->to_string() + " is listed twice (first at " +
                                     line_col(it->second) + ")");
      continue;
    }
    if (!out.address) {
      out.address = ep;
      out.family = ep->addr.family;
    } else if (ep->addr.family != out.family) {
      r.errors().add(node->mark, "address " + ep->to_string() + " is " +
                                     family_name(ep->addr.family) + " but the first address is " +
                                     family_name(out.family) + "; a group has one family");
    } else {
      out.more_addresses.push_back(*ep);
    }
  }
}

void parse_group_fwmarks(const std::vector<const Node*>& nodes, MapReader& r, VirtualServer& out) {
  std::map<uint32_t, Mark> seen;
  for (const Node* node : nodes) {
    auto mark = to_int(*node, "fwmark", 1, kMaxU32, r.errors());
    if (!mark) continue;
    const auto value = static_cast<uint32_t>(*mark);
    if (auto [it, fresh] = seen.emplace(value, node->mark); !fresh) {
      r.errors().add(node->mark, "fwmark " + std::to_string(value) + " is listed twice (first at " +
                                     line_col(it->second) + ")");
    } else if (!out.address && !out.fwmark) {
      out.fwmark = value;
    } else {
      out.more_fwmarks.push_back(value);
    }
  }
}

// `address` or `addresses: [..]`, `fwmark` or `fwmarks: [..]`. A list makes the virtual server
// a group, which may mix addresses and fwmarks.
void parse_service(MapReader& r, VirtualServer& out) {
  const Node* address = r.get("address");
  const Node* addresses = r.get("addresses");
  const Node* fwmark = r.get("fwmark");
  const Node* fwmarks = r.get("fwmarks");
  const Node* protocol = r.get("protocol");
  const bool has_address = address || addresses;
  if (address && addresses)
    r.errors().add(addresses->mark, "set either 'address' or 'addresses', not both");
  if (fwmark && fwmarks)
    r.errors().add(fwmarks->mark, "set either 'fwmark' or 'fwmarks', not both");
  if (address && fwmark) {
    r.errors().add(fwmark->mark, "set either 'address' (with 'protocol') or 'fwmark', not both");
    fwmark = nullptr;
  } else if (!has_address && !fwmark && !fwmarks) {
    r.errors().add(r.mark(), "virtual server needs 'address' (ADDRESS:PORT) or 'fwmark'");
  } else if (!has_address && protocol) {
    r.errors().add(protocol->mark, "'protocol' does not apply to a fwmark service");
  }
  parse_group_addresses(member_nodes(address, addresses, "addresses", r.errors()), r, out);
  parse_group_fwmarks(member_nodes(fwmark, fwmarks, "fwmarks", r.errors()), r, out);
  r.read_choice("protocol", out.protocol, {"tcp", "udp", "sctp"});
}

// Every IPVS service belongs to one virtual server: a second claim is an error at its member.
void claim_services(const Node& node, const VirtualServer& vs, ServiceOwners& owners,
                    Errors& errors) {
  auto claim = [&](const std::string& key, const char* list_key, const char* single_key) {
    const Node* at = node.find(list_key);
    if (!at) at = node.find(single_key);
    const Mark mark = at ? at->mark : node.mark;
    auto [it, fresh] = owners.emplace(key, std::make_pair(vs.name, mark));
    if (!fresh && it->second.first != vs.name)
      errors.add(mark, "service " + key + " of virtual server '" + vs.name +
                           "' is already configured in virtual server '" + it->second.first +
                           "' (at " + line_col(it->second.second) + ")");
  };
  const std::string proto = to_string(vs.protocol);
  if (vs.address) claim(proto + " " + vs.address->to_string(), "addresses", "address");
  for (const Endpoint& ep : vs.more_addresses)
    claim(proto + " " + ep.to_string(), "addresses", "address");
  const std::string family = vs.family == AF_INET6 ? " IPv6" : "";
  if (vs.fwmark) claim("fwmark " + std::to_string(*vs.fwmark) + family, "fwmarks", "fwmark");
  for (uint32_t mark : vs.more_fwmarks)
    claim("fwmark " + std::to_string(mark) + family, "fwmarks", "fwmark");
}

void parse_scheduler(MapReader& r, VirtualServer& out) {
  if (const Node* node = r.get("scheduler")) {
    auto index = to_choice(*node, "scheduler",
                           {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq",
                            "mh", "fo", "ovf", "twos"},
                           r.errors());
    if (index) out.scheduler = node->scalar;
  }
  for (const Node& item : *to_list(r.get("scheduler_flags"), "scheduler_flags", r.errors())) {
    auto index = to_choice(item, "scheduler_flags",
                           {"sh-port", "sh-fallback", "mh-port", "mh-fallback"}, r.errors());
    if (!index) continue;
    std::string needs = *index < 2 ? "sh" : "mh";
    if (out.scheduler != needs)
      r.errors().add(item.mark,
                     "scheduler flag '" + item.scalar + "' needs 'scheduler: " + needs + "'");
    out.scheduler_flags.push_back(item.scalar);
  }
}

void parse_persistence(MapReader& parent, VirtualServer& out) {
  const Node* node = parent.get("persistence");
  if (node == nullptr) return;
  MapReader r(node, "persistence", parent.errors());
  Persistence p;
  if (r.read("timeout", p.timeout) &&
      (p.timeout.count() % 1000 != 0 || p.timeout < std::chrono::seconds(1)))
    r.errors().add(r.get("timeout")->mark,
                   "persistence 'timeout' must be whole seconds, at "
                   "least 1s, got " +
                       format_duration(p.timeout));
  if (const Node* mask = r.get("netmask")) {
    p.netmask = to_address(*mask, "netmask", r.errors());
    if (p.netmask && p.netmask->mask_prefix_len() < 0) {
      r.errors().add(mask->mark, "'netmask' " + p.netmask->to_string() +
                                     " is not a contiguous "
                                     "mask such as 255.255.255.0");
    } else if (p.netmask && out.family != 0 && p.netmask->family != out.family) {
      r.errors().add(mask->mark, "'netmask' is " + std::string(family_name(p.netmask->family)) +
                                     " but the virtual server is " + family_name(out.family));
    }
  }
  r.finish();
  out.persistence = p;
}

void parse_max_ejected(MapReader& r, VirtualServer& out) {
  const Node* node = r.get("max_ejected");
  if (node == nullptr) return;
  const std::string& s = node->scalar;
  int value = -1;
  if (node->kind == Node::Kind::kScalar && s.size() >= 2 && s.back() == '%') {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size() - 1, value);
    if (ec != std::errc() || ptr != s.data() + s.size() - 1) value = -1;
  }
  if (value < 0 || value > 100)
    r.errors().add(node->mark,
                   "'max_ejected' must be a percentage from 0% to 100% such as "
                   "50%, got " +
                       describe(*node));
  else
    out.max_ejected_percent = value;
}

std::optional<RealServer> parse_real_server(const Node& node, ParseContext& ctx) {
  MapReader r(&node, "real server", ctx.errors);
  if (!r.is_map()) return std::nullopt;
  RealServer out;
  out.origin.mark = node.mark;
  const Node* address = r.require("address");
  auto endpoint = address ? to_endpoint(*address, "address", ctx.errors, true) : std::nullopt;
  if (endpoint) out.address = *endpoint;
  r.read("weight", out.weight, 0, 65535);
  if (r.get("forwarding")) {
    Forwarding forwarding = Forwarding::kDr;
    r.read_choice("forwarding", forwarding, {"dr", "nat", "tun"});
    out.forwarding = forwarding;
  }
  int threshold = 0;
  if (r.read("upper_threshold", threshold, 0, kMaxInt)) out.upper_threshold = threshold;
  if (r.read("lower_threshold", threshold, 0, kMaxInt)) out.lower_threshold = threshold;
  if (out.upper_threshold && out.lower_threshold && *out.lower_threshold >= *out.upper_threshold)
    ctx.errors.add(r.get("lower_threshold")->mark,
                   "'lower_threshold' must be below 'upper_threshold'");
  for (const Node& item : *to_list(r.get("checks"), "checks", ctx.errors))
    if (item.kind == Node::Kind::kMap)
      out.checks.push_back(parse_check(item, ctx));
    else
      ctx.errors.add(item.mark, "check must be a map, got " + std::string(kind_name(item)));
  r.finish();
  if (!endpoint) return std::nullopt;
  return out;
}

// A worker running no real servers (LoadOptions::keep_real_servers false) takes from them only
// the family a fwmark service has from its first one: 8,000 real servers of a reload's changed
// virtual servers cost the VRRP worker as much as the checker, on the same two CPUs.
void take_family_only(const std::vector<Node>& items, ParseContext& ctx, VirtualServer& out) {
  if (out.family == 0 && !items.empty())
    if (auto rs = parse_real_server(items.front(), ctx)) out.family = rs->address.addr.family;
  if (out.family == 0) out.family = AF_INET;
}

void parse_real_servers(MapReader& r, size_t index, ParseContext& ctx, VirtualServer& out) {
  const auto& items = *to_list(r.get("real_servers"), "real_servers", ctx.errors);
  if (!ctx.options.keep_real_servers) return take_family_only(items, ctx, out);
  std::map<Endpoint, Mark> seen;
  size_t at_rs = 0;
  for (const Node& item : items) {
    std::optional<RealServer> rs;
    if (ctx.options.reuse_real_server) rs = ctx.options.reuse_real_server(index, at_rs);
    ++at_rs;
    if (!rs) rs = parse_real_server(item, ctx);
    if (!rs) continue;
    const Mark& at = item.find("address")->mark;
    if (auto [it, fresh] = seen.emplace(rs->address, at); !fresh)
      ctx.errors.add(at, "real server " + rs->address.to_string() + " is listed twice in " +
                             "virtual server '" + out.name + "' (first at " + line_col(it->second) +
                             ")");
    if (out.family == 0) out.family = rs->address.addr.family;
    Forwarding forwarding = rs->forwarding.value_or(out.forwarding);
    if (rs->address.addr.family != out.family && forwarding != Forwarding::kTun)
      ctx.errors.add(at, "real server " + rs->address.to_string() + " is " +
                             family_name(rs->address.addr.family) + " but virtual server '" +
                             out.name + "' is " + family_name(out.family) +
                             "; only tun forwarding mixes families");
    out.real_servers.push_back(std::move(*rs));
  }
  if (out.family == 0) out.family = AF_INET;
}

void check_tunnel_type(MapReader& r, const VirtualServer& out) {
  const Node* node = r.get("tunnel_type");
  if (node == nullptr) return;
  bool tun = out.forwarding == Forwarding::kTun;
  for (const RealServer& rs : out.real_servers) tun |= rs.forwarding == Forwarding::kTun;
  if (!tun) r.errors().add(node->mark, "'tunnel_type' needs 'forwarding: tun'");
}

// A virtual server a reload did not read again (LoadOptions::reuse_virtual_server): only what
// depends on the rest of the file is checked.
VirtualServer check_reused(VirtualServer vs, const Node& node, ParseContext& ctx,
                           ServiceOwners& owners) {
  if (vs.follow_instance && !ctx.names.instances.contains(*vs.follow_instance))
    ctx.errors.add(vs.origin.mark,
                   "follow_instance '" + *vs.follow_instance + "' is not a vrrp instance");
  claim_services(node, vs, owners, ctx.errors);
  return vs;
}

std::optional<VirtualServer> parse_virtual_server(const Node& node, size_t index,
                                                  ParseContext& ctx, ServiceOwners& owners) {
  if (ctx.options.reuse_virtual_server)
    if (auto reused = ctx.options.reuse_virtual_server(index))
      return check_reused(std::move(*reused), node, ctx, owners);
  MapReader r(&node, "virtual server", ctx.errors);
  if (!r.is_map()) return std::nullopt;
  VirtualServer out;
  out.origin.mark = node.mark;
  r.read("name", out.name, true);
  parse_service(r, out);
  parse_scheduler(r, out);
  r.read_choice("forwarding", out.forwarding, {"dr", "nat", "tun"});
  r.read_choice("tunnel_type", out.tunnel_type, {"ipip", "gue", "gre"});
  r.read("quorum", out.quorum, 1, kMaxInt);
  r.read("quorum_hysteresis", out.quorum_hysteresis, 0, kMaxInt);
  if (const Node* sorry = r.get("sorry_server"))
    out.sorry_server = to_endpoint(*sorry, "sorry_server", ctx.errors, true);
  r.read_choice("on_failure", out.on_failure, {"remove", "inhibit"});
  parse_max_ejected(r, out);
  if (r.read("follow_instance", out.follow_instance) && out.follow_instance &&
      !ctx.names.instances.contains(*out.follow_instance))
    ctx.errors.add(r.get("follow_instance")->mark,
                   "follow_instance '" + *out.follow_instance + "' is not a vrrp instance");
  r.read("remove_drain_time", out.remove_drain_time);
  r.read("slow_start", out.slow_start);
  parse_real_servers(r, index, ctx, out);
  parse_persistence(r, out);
  if (ctx.options.keep_real_servers) check_tunnel_type(r, out);
  r.finish();
  claim_services(node, out, owners, ctx.errors);
  return out;
}

}  // namespace

CheckSpec parse_check(const Node& node, ParseContext& ctx) {
  MapReader r(&node, "check", ctx.errors);
  CheckSpec out;
  out.origin.mark = node.mark;
  bool has_type = r.read("type", out.type, true) && !out.type.empty();
  read_timing(r, out.interval, out.timeout, out.rise, out.fall);
  r.read("fast_interval", out.fast_interval);
  r.read("down_interval", out.down_interval);
  r.read_choice("start_state", out.start_state, {"down", "up"});
  int port = 0;
  if (r.read("port", port, 1, 65535)) out.port = static_cast<uint16_t>(port);
  out.params = r.rest();
  if (has_type && ctx.options.validate_check) ctx.errors.add_all(ctx.options.validate_check(out));
  return out;
}

void parse_virtual_servers(const Node* node, ParseContext& ctx, std::vector<VirtualServer>& out) {
  ServiceOwners owners;
  size_t index = 0;
  out = parse_named_list<VirtualServer>(
      node, "virtual_servers", "virtual server", ctx,
      [&](const Node& n) { return parse_virtual_server(n, index++, ctx, owners); });
}

}  // namespace hadirector::config::detail
