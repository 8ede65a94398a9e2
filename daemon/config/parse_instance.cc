// One `vrrp.instances[]` entry: addresses and their family, protocol version rules (RFC 5798
// for v3, RFC 3768 for v2), unicast, tracking, notify and GARP settings.
#include <sys/socket.h>

#include "daemon/config/parse.h"

namespace hadirector::config::detail {
namespace {

using std::chrono::milliseconds;

void parse_addresses(MapReader& r, VrrpInstance& out) {
  const Node* list = r.require("virtual_addresses");
  if (list == nullptr) return;
  const auto& items = *to_list(list, "virtual_addresses", r.errors());
  if (list->kind != Node::Kind::kScalar && list->kind != Node::Kind::kMap && items.empty())
    r.errors().add(list->mark, "'virtual_addresses' must list at least one address");
  for (const Node& item : items) {
    auto prefix = to_prefix(item, "virtual_addresses", r.errors());
    if (!prefix) continue;
    if (out.family == 0) out.family = prefix->addr.family;
    if (prefix->addr.family != out.family) {
      r.errors().add(item.mark, "virtual address " + prefix->to_string() + " is " +
                                    family_name(prefix->addr.family) + " but the instance's " +
                                    "first address is " + family_name(out.family) +
                                    "; use one instance per family");
      continue;
    }
    out.virtual_addresses.push_back(*prefix);
  }
}

// RFC 5798 §5.2.7: v3 carries centiseconds in 12 bits; RFC 3768 §5.3.7: v2 whole seconds.
void check_advert_interval(MapReader& r, const VrrpInstance& out) {
  const Node* node = r.get("advert_interval");
  Mark at = node ? node->mark : r.mark();
  std::string got = format_duration(out.advert_interval);
  if (out.version == 3) {
    if (out.advert_interval < milliseconds(10) || out.advert_interval > milliseconds(40950))
      r.errors().add(at,
                     "'advert_interval' must be between 10ms and 40950ms for VRRPv3, got " + got);
    else if (out.advert_interval.count() % 10 != 0)
      r.errors().add(at, "'advert_interval' must be a multiple of 10ms for VRRPv3, got " + got);
  } else if (out.advert_interval.count() % 1000 != 0 || out.advert_interval < milliseconds(1000) ||
             out.advert_interval > milliseconds(255000)) {
    r.errors().add(
        at, "'advert_interval' must be whole seconds from 1s to 255s for VRRPv2, got " + got);
  }
}

void check_version_rules(MapReader& r, VrrpInstance& out) {
  if (out.version == 2 && out.family == AF_INET6)
    r.errors().add(r.get("version")->mark,
                   "VRRPv2 carries IPv4 only; use 'version: 3' for IPv6 addresses");
  if (const Node* node = r.get("checksum_pseudo_header");
      node && (out.version != 3 || out.family == AF_INET6))
    r.errors().add(node->mark, "'checksum_pseudo_header' applies to VRRPv3 over IPv4 only");
  if (const Node* node = r.get("accept"); node && out.accept && out.version == 2)
    r.errors().add(node->mark, "'accept' mode is a VRRPv3 feature; use 'version: 3'");
  if (const Node* node = r.get("auth_password"); node && out.auth_password) {
    if (out.version != 2)
      r.errors().add(node->mark,
                     "'auth_password' applies to VRRPv2 only; VRRPv3 has no "
                     "authentication");
    else if (out.auth_password->size() > 8)
      r.errors().add(node->mark, "'auth_password' must be at most 8 characters");
  }
}

void parse_unicast(MapReader& parent, VrrpInstance& out) {
  const Node* node = parent.get("unicast");
  if (node == nullptr) return;
  MapReader r(node, "unicast", parent.errors());
  Unicast unicast;
  auto check_family = [&](const IpAddress& addr, const Node& at, const char* what) {
    if (out.family != 0 && addr.family != out.family)
      r.errors().add(at.mark, std::string("unicast ") + what + " " + addr.to_string() + " is " +
                                  family_name(addr.family) + " but the instance is " +
                                  family_name(out.family));
  };
  if (const Node* source = r.get("source")) {
    unicast.source = to_address(*source, "source", r.errors());
    if (unicast.source) check_family(*unicast.source, *source, "source");
  }
  const Node* peers = r.get("peers");
  for (const Node& item : *to_list(peers, "peers", r.errors())) {
    auto peer = to_address(item, "peers", r.errors());
    if (!peer) continue;
    check_family(*peer, item, "peer");
    unicast.peers.push_back(*peer);
  }
  bool no_peers = peers == nullptr || peers->kind == Node::Kind::kNull ||
                  (peers->kind == Node::Kind::kSequence && peers->items.empty());
  if (no_peers && r.is_map())
    r.errors().add(peers ? peers->mark : r.mark(),
                   "unicast needs at least one peer in 'peers'; remove 'unicast' for multicast");
  r.finish();
  out.unicast = std::move(unicast);
}

template <typename Entry, typename Fill>
std::vector<Entry> parse_track_list(MapReader& track, std::string_view key, const char* what,
                                    Fill fill) {
  std::vector<Entry> out;
  for (const Node& item : *to_list(track.get(key), key, track.errors())) {
    MapReader r(&item, what, track.errors());
    if (!r.is_map()) continue;
    Entry entry;
    fill(r, entry);
    r.finish();
    out.push_back(std::move(entry));
  }
  return out;
}

void check_reference(MapReader& r, const std::string& name, const std::set<std::string>& names,
                     const std::string& message) {
  if (!name.empty() && !names.contains(name)) r.errors().add(r.get("name")->mark, message);
}

void parse_track(MapReader& parent, ParseContext& ctx, Track& out) {
  MapReader r(parent.get("track"), "track", ctx.errors);
  out.interfaces = parse_track_list<TrackInterface>(r, "interfaces", "track interface",
                                                    [](MapReader& m, TrackInterface& e) {
                                                      m.read("name", e.name, true);
                                                      e.weight = read_weight(m, 0);
                                                    });
  out.scripts = parse_track_list<TrackScript>(
      r, "scripts", "track script", [&](MapReader& m, TrackScript& e) {
        m.read("name", e.name, true);
        check_reference(m, e.name, ctx.names.scripts,
                        "track script '" + e.name + "' is not defined in vrrp.scripts");
        if (m.get("weight")) e.weight = read_weight(m, 0);
      });
  out.virtual_servers = parse_track_list<TrackVirtualServer>(
      r, "virtual_servers", "track virtual server", [&](MapReader& m, TrackVirtualServer& e) {
        m.read("name", e.name, true);
        check_reference(m, e.name, ctx.names.virtual_servers,
                        "track virtual server '" + e.name + "' is not defined in virtual_servers");
        e.weight = read_weight(m, 0);
      });
  out.files = parse_track_list<TrackFile>(r, "files", "track file", [](MapReader& m, TrackFile& e) {
    m.read("path", e.path, true);
    e.weight = read_weight(m, 1);
  });
  r.finish();
}

void parse_garp(MapReader& parent, Garp& out) {
  MapReader r(parent.get("garp"), "garp", parent.errors());
  r.read("count", out.count, 0, 100);
  r.read("interval", out.interval);
  r.read("repeat", out.repeat);
  r.finish();
}

}  // namespace

void parse_notify(MapReader& parent, Notify& out) {
  MapReader r(parent.get("notify"), "notify", parent.errors());
  r.read("master", out.master);
  r.read("backup", out.backup);
  r.read("fault", out.fault);
  r.read("stop", out.stop);
  r.read("any", out.any);
  r.finish();
}

std::optional<VrrpInstance> parse_instance(const Node& node, ParseContext& ctx) {
  MapReader r(&node, "vrrp instance", ctx.errors);
  if (!r.is_map()) return std::nullopt;
  VrrpInstance out;
  out.origin.mark = node.mark;
  r.read("name", out.name, true);
  r.read("interface", out.interface, true);
  r.read("vrid", out.vrid, 1, 255, true);
  r.read("priority", out.priority, 1, 255);
  if (const Node* v = r.get("version")) {
    if (v->kind == Node::Kind::kScalar && (v->scalar == "2" || v->scalar == "3"))
      out.version = v->scalar[0] - '0';
    else
      r.errors().add(v->mark, "'version' must be 2 or 3, got " + describe(*v));
  }
  parse_addresses(r, out);
  r.read("advert_interval", out.advert_interval);
  check_advert_interval(r, out);
  r.read("preempt", out.preempt);
  r.read("preempt_delay", out.preempt_delay);
  r.read("accept", out.accept);
  r.read("checksum_pseudo_header", out.checksum_pseudo_header);
  r.read("vmac", out.vmac);
  r.read("auth_password", out.auth_password);
  check_version_rules(r, out);
  parse_unicast(r, out);
  parse_authentication(r, out);
  parse_track(r, ctx, out.track);
  parse_notify(r, out.notify);
  parse_garp(r, out.garp);
  r.finish();
  return out;
}

}  // namespace hadirector::config::detail
