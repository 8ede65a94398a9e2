// Translation of configured virtual and real servers (daemon/config) into the kernel's IPVS
// value types: scheduler flags, persistence, forwarding, tunnel settings, a real server's
// default port. Pure; deciding weights and membership is the real-server policy's job.
#pragma once

#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "ipvs/ipvs_types.h"

namespace hadirector::ipvs {

IpAddress to_ipvs_address(const config::IpAddress& address);

// The service of a configured virtual server (address + protocol + port, or fwmark).
Service service_from(const config::VirtualServer& vs);

// Every service of a virtual server: the first one (service_from), then a group's further
// addresses and fwmarks, in configuration order. They share scheduler and persistence.
std::vector<Service> services_from(const config::VirtualServer& vs);

// A real server of `vs` as a destination of `service` (one of services_from(vs)) with the given
// weight. Port 0 in the configuration means the service's own port (0 for a fwmark service).
Destination destination_from(const config::VirtualServer& vs, const Service& service,
                             const config::RealServer& rs, int weight);
// As above, for the first service of `vs`.
Destination destination_from(const config::VirtualServer& vs, const config::RealServer& rs,
                             int weight);

// The sorry server, forwarded like the virtual server's own real servers.
Destination sorry_destination_from(const config::VirtualServer& vs, const Service& service,
                                   const config::Endpoint& sorry, int weight);

}  // namespace hadirector::ipvs
