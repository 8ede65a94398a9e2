// Translation of configured virtual and real servers (daemon/config) into the kernel's IPVS
// value types: scheduler flags, persistence, forwarding, tunnel settings, a real server's
// default port. Pure; deciding weights and membership is the real-server policy's job.
#pragma once

#include <string>

#include "daemon/config/config.h"
#include "ipvs/ipvs_types.h"

namespace hadirector::ipvs {

IpAddress to_ipvs_address(const config::IpAddress& address);

// The service of a configured virtual server (address + protocol + port, or fwmark).
Service service_from(const config::VirtualServer& vs);

// A real server of `vs` as an IPVS destination with the given weight. Port 0 in the
// configuration means the virtual server's port.
Destination destination_from(const config::VirtualServer& vs, const config::RealServer& rs,
                             int weight);

// The sorry server, forwarded like the virtual server's own real servers.
Destination sorry_destination_from(const config::VirtualServer& vs, const config::Endpoint& sorry,
                                   int weight);

}  // namespace hadirector::ipvs
