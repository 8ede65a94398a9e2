// VRRP Accept_Mode (RFC 5798 §6.1, §6.4.3) as an nftables ruleset: which instances' VIPs must
// not take traffic and the text that closes them, apart from the director's virtual services.
// Pure: configuration in, nft text out. Running it (libnftables) is AcceptFilter's job; the
// ruleset does not follow VRRP state, since a backup does not hold the VIPs anyway.
#pragma once

#include <string>
#include <vector>

#include "daemon/config/config.h"

namespace hadirector::daemon {

// The one table the daemon owns, in the `inet` family (IPv4 and IPv6 in one table).
inline constexpr const char* kAcceptTable = "hadirector";

struct AcceptPlan {
  std::vector<std::string> filtered_instances;  // whose VIPs are closed, in configuration order
  // nft input that replaces the table in one transaction; empty when no VIP is closed.
  std::string ruleset;
};

// True when the instance's VIPs are closed: VRRPv3, accept mode off and not the address owner
// (priority 255), who always accepts (RFC 5798 §6.4.3). VRRPv2 has no accept mode to turn on
// (the configuration refuses `accept` there), so its VIPs stay open, as keepalived's do.
bool closes_vips(const config::VrrpInstance& instance);

// A VIP that any accepting instance lists stays open. Exempt on a closed VIP: every virtual
// server on it (address, protocol, port; port 0: any port), packets carrying a virtual server's
// fwmark, ICMP errors and IPv6 neighbour discovery (IPVS and the link need them), and traffic
// the director sends itself (lo). Everything else to a closed VIP is dropped.
AcceptPlan plan_accept_filter(const config::Config& config);

// nft input that deletes the table if it exists (and is a no-op if it does not).
std::string accept_table_removal();

}  // namespace hadirector::daemon
