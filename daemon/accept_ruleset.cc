#include "daemon/accept_ruleset.h"

#include <set>

namespace hadirector::daemon {
namespace {

using Elements = std::set<std::string>;

// The sets of one address family: the closed VIPs and what is let through to them.
struct FamilySets {
  Elements vips;      // ADDR
  Elements services;  // ADDR . PROTO . PORT
  Elements hosts;     // ADDR . PROTO: a virtual server without a port takes every port
};

std::string set_block(const std::string& name, const std::string& type, const Elements& elems) {
  std::string text = "  set " + name + " { type " + type + ";";
  if (!elems.empty()) {
    text += " elements = {";
    const char* sep = " ";
    for (const auto& e : elems) {
      text += sep + e;
      sep = ", ";
    }
    text += " };";
  }
  return text + " }\n";
}

// A closed VIP's chain. ICMP errors reach IPVS (PMTU for its connections); IPv6 needs unicast
// neighbour solicitations to the VIP answered, or neighbours declare it unreachable.
std::string vip_chain(bool v6) {
  const std::string n = v6 ? "6" : "4";
  const std::string daddr = v6 ? "ip6 daddr" : "ip daddr";
  std::string text = "  chain vip" + n + " {\n";
  text += "    " + daddr + " . meta l4proto . th dport @services" + n + " accept\n";
  text += "    " + daddr + " . meta l4proto @hosts" + n + " accept\n";
  text += "    meta mark @marks accept\n";
  if (v6) {
    text +=
        "    icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, "
        "parameter-problem, nd-neighbor-solicit, nd-neighbor-advert } accept\n";
  } else {
    text += "    icmp type { destination-unreachable, time-exceeded, parameter-problem } accept\n";
  }
  return text + "    counter drop\n  }\n";
}

void add_service(FamilySets& sets, const config::Endpoint& ep, config::Protocol protocol) {
  const std::string addr = ep.addr.to_string();
  if (!sets.vips.contains(addr)) return;  // not a closed VIP: nothing to let through
  const std::string proto = config::to_string(protocol);
  if (ep.port == 0)
    sets.hosts.insert(addr + " . " + proto);
  else
    sets.services.insert(addr + " . " + proto + " . " + std::to_string(ep.port));
}

}  // namespace

bool closes_vips(const config::VrrpInstance& instance) {
  return instance.version == 3 && !instance.accept && instance.priority != 255;
}

AcceptPlan plan_accept_filter(const config::Config& config) {
  AcceptPlan plan;
  std::set<std::string> open;
  for (const auto& i : config.vrrp.instances)
    if (!closes_vips(i))
      for (const auto& v : i.virtual_addresses) open.insert(v.addr.to_string());
  FamilySets v4, v6;
  for (const auto& i : config.vrrp.instances) {
    if (!closes_vips(i)) continue;
    bool closes_any = false;
    for (const auto& v : i.virtual_addresses) {
      const std::string addr = v.addr.to_string();
      if (open.contains(addr)) continue;
      (v.addr.is_v6() ? v6 : v4).vips.insert(addr);
      closes_any = true;
    }
    if (closes_any) plan.filtered_instances.push_back(i.name);
  }
  if (plan.filtered_instances.empty()) return plan;

  Elements marks;
  for (const auto& vs : config.virtual_servers) {
    std::vector<config::Endpoint> addresses = vs.more_addresses;
    if (vs.address) addresses.push_back(*vs.address);
    for (const auto& ep : addresses) add_service(ep.addr.is_v6() ? v6 : v4, ep, vs.protocol);
    if (vs.fwmark) marks.insert(std::to_string(*vs.fwmark));
    for (uint32_t m : vs.more_fwmarks) marks.insert(std::to_string(m));
  }

  const std::string table = std::string("inet ") + kAcceptTable;
  std::string& t = plan.ruleset;
  // Creating the table first makes the delete valid when it does not exist yet; the three
  // commands are one transaction, so the VIPs are never open in between.
  t = "table " + table + " {}\ndelete table " + table + "\ntable " + table + " {\n";
  t += set_block("vips4", "ipv4_addr", v4.vips) + set_block("vips6", "ipv6_addr", v6.vips);
  t += set_block("services4", "ipv4_addr . inet_proto . inet_service", v4.services);
  t += set_block("services6", "ipv6_addr . inet_proto . inet_service", v6.services);
  t += set_block("hosts4", "ipv4_addr . inet_proto", v4.hosts);
  t += set_block("hosts6", "ipv6_addr . inet_proto", v6.hosts);
  t += set_block("marks", "mark", marks);
  // Priority filter (0) runs before IPVS's LOCAL_IN hooks (98 and up): a packet IPVS would take
  // reaches it only through an exemption here.
  t += "  chain input {\n    type filter hook input priority filter; policy accept;\n";
  t += "    iif \"lo\" accept\n";
  t += "    ip daddr @vips4 goto vip4\n    ip6 daddr @vips6 goto vip6\n  }\n";
  t += vip_chain(false) + vip_chain(true) + "}\n";
  return plan;
}

std::string accept_table_removal() {
  const std::string table = std::string("inet ") + kAcceptTable;
  return "table " + table + " {}\ndelete table " + table + "\n";
}

}  // namespace hadirector::daemon
