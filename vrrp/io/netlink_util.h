// Small helpers shared by the libnl-based implementations (address manager, link monitor,
// macvlan manager): an owning rtnetlink socket and a request/ack exchange that reports the
// kernel's own errno rather than libnl's translation of it. Only forward declarations of libnl
// types appear here; libnl headers stay in the .cc files.
#pragma once

#include <memory>
#include <string>

#include "daemon/core/result.h"

struct nl_sock;
struct nl_msg;

namespace hadirector::vrrp {

struct NlSockDeleter {
  void operator()(nl_sock* sock) const;
};
using NlSock = std::unique_ptr<nl_sock, NlSockDeleter>;

// A connected NETLINK_ROUTE socket in the calling thread's network namespace.
core::Result<NlSock> connect_rtnetlink(const std::string& what);

// Sends `msg` (taking ownership) and waits for the kernel's ack. Returns 0 or a positive errno.
int netlink_transact(nl_sock* sock, nl_msg* msg);

// An Error for a negative libnl return code (NLE_*), e.g. from a dump.
core::Error libnl_error(int nl_err, const std::string& what);

}  // namespace hadirector::vrrp
