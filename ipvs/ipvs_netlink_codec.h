// The IPVS generic-netlink wire format (include/uapi/linux/ip_vs.h): building request
// attributes from our value types and parsing the kernel's replies back into them. Kept apart
// from the socket so tests can build a message and parse it back without a kernel. Replies are
// untrusted input: every attribute's length and value is checked, and anything malformed comes
// back as an Errc::kProtocol Error. No I/O here; LibnlIpvsClient owns the socket.
#pragma once

#include "daemon/core/result.h"
#include "ipvs/ipvs_client.h"

struct nl_msg;
struct nlattr;

namespace hadirector::ipvs::codec {

// Appends a nested IPVS_CMD_ATTR_SERVICE. With full = false only the key (family, protocol,
// address, port or fwmark) goes in, as lookups and deletes want; full adds scheduler, flags,
// persistence timeout and netmask, as the kernel requires for add and edit.
core::Status put_service(nl_msg* msg, const Service& service, bool full);
// Appends a nested IPVS_CMD_ATTR_DEST; full as for put_service (add/edit vs. delete).
core::Status put_destination(nl_msg* msg, const Destination& dest, bool full);
// Appends a nested IPVS_CMD_ATTR_DAEMON for starting a daemon (zero fields are left out).
core::Status put_sync_daemon(nl_msg* msg, const SyncDaemon& daemon);
// Appends a nested IPVS_CMD_ATTR_DAEMON with only the state, for stopping a daemon.
core::Status put_sync_state(nl_msg* msg, SyncState state);
// Appends IPVS_CMD_ATTR_TIMEOUT_* (zero values are left out: the kernel keeps them).
core::Status put_timeouts(nl_msg* msg, const Timeouts& timeouts);

// Parsers of one nested attribute.
core::Result<ServiceInfo> parse_service(nlattr* nested);
// Destinations carry their own family only when it differs from the service's (tunnels).
core::Result<DestinationInfo> parse_destination(nlattr* nested, Family service_family);
core::Result<SyncDaemon> parse_sync_daemon(nlattr* nested);
core::Result<Stats> parse_stats(nlattr* nested);

// Parsers of whole generic-netlink messages as the kernel sends them (one object each).
core::Result<ServiceInfo> parse_service_message(nl_msg* msg);
core::Result<DestinationInfo> parse_destination_message(nl_msg* msg, Family service_family);
core::Result<SyncDaemon> parse_sync_daemon_message(nl_msg* msg);
core::Result<Info> parse_info_message(nl_msg* msg);
core::Result<Timeouts> parse_timeouts_message(nl_msg* msg);

}  // namespace hadirector::ipvs::codec
