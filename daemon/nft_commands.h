// The door to nftables: runs nft command text (as `nft -f` reads it) through libnftables, as
// one transaction in the caller's network namespace. Blocking but short (one netlink batch);
// only the supervisor calls it, never the VRRP worker. libnftables is included only in the .cc.
#pragma once

#include <string>

#include "daemon/core/result.h"

namespace hadirector::daemon {

// Fails with what libnftables said: a kernel without nf_tables, missing privileges, or text
// it rejects. Nothing is applied then (one batch).
core::Status run_nft_commands(const std::string& commands);

}  // namespace hadirector::daemon
