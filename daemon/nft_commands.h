// The door to nftables: runs nft command text (as `nft -f` reads it) through libnftables, as
// one transaction in the caller's network namespace. Blocking but short (one netlink batch);
// only the supervisor calls it, never the VRRP worker. libnftables is included only in the .cc,
// and loaded (dlopen) on the first call.
#pragma once

#include <string>

#include "daemon/core/result.h"

namespace hadirector::daemon {

// Fails with what libnftables said: a kernel without nf_tables, missing privileges, or text
// it rejects. Nothing is applied then (one batch).
core::Status run_nft_commands(const std::string& commands);

// Whether nf_tables is in the kernel already (loaded module or built in). When it is not, no
// table can exist, and asking would load the module: seconds in a VM, for nothing.
bool nftables_present();

}  // namespace hadirector::daemon
