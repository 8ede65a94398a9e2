// Pipelined IPVS requests on the wire: table changes written back to back as generic-netlink
// requests that each ask for an ack, and the kernel's acks read back and matched to their
// request by sequence number. Waiting for each ack before sending the next request (what libnl
// and keepalived do) costs a round trip per real server; the kernel handles a whole window of
// requests from one send and acks each. No I/O here (LibnlIpvsClient owns the socket), so tests
// build a batch and parse acks without a kernel. Acks are untrusted input: lengths are checked.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "daemon/core/result.h"
#include "ipvs/ipvs_client.h"

struct nl_msg;

namespace hadirector::ipvs::codec {

// "add destination 10.0.0.2:80 to TCP 10.0.0.1:80": names the change in its errors.
std::string describe(const Change& change);
// The IPVS_CMD_* that makes the change.
std::uint8_t command_of(OpKind kind);
// Writes the change's attributes into a request (key only for deletes).
core::Status put_change(nl_msg* msg, const Change& change);

// Appends the change to `out` as one generic-netlink request for `family` with sequence number
// `seq`, flagged NLM_F_REQUEST | NLM_F_ACK; `out` stays untouched on error.
core::Status append_request(std::string& out, int family, std::uint32_t seq, const Change& change);
// The same, built in `scratch` (from nlmsg_alloc, reused for every request of a batch): a fresh
// message is a zeroed page, 40,000 of them for a large start.
core::Status append_request(std::string& out, nl_msg* scratch, int family, std::uint32_t seq,
                            const Change& change);

// Walks the netlink messages of one received datagram and calls on_ack(seq, err) for each ack
// (err 0) or error (a positive errno). Other message types are skipped (a late reply to an
// earlier request). A message whose length or error payload is malformed stops the walk with
// an Errc::kProtocol Error.
core::Status parse_acks(std::string_view datagram,
                        const std::function<void(std::uint32_t seq, int err)>& on_ack);

}  // namespace hadirector::ipvs::codec
