#include "ipvs/config_mapping.h"

#include <sys/socket.h>

namespace hadirector::ipvs {
namespace {

Forwarding forwarding_of(config::Forwarding f) {
  switch (f) {
    case config::Forwarding::kDr:
      return Forwarding::kDirectRoute;
    case config::Forwarding::kNat:
      return Forwarding::kMasq;
    case config::Forwarding::kTun:
      return Forwarding::kTunnel;
  }
  return Forwarding::kDirectRoute;
}

Protocol protocol_of(config::Protocol p) {
  switch (p) {
    case config::Protocol::kTcp:
      return Protocol::kTcp;
    case config::Protocol::kUdp:
      return Protocol::kUdp;
    case config::Protocol::kSctp:
      return Protocol::kSctp;
  }
  return Protocol::kTcp;
}

uint32_t scheduler_flag(const std::string& name) {
  if (name == "sh-port") return kShPort;
  if (name == "sh-fallback") return kShFallback;
  if (name == "mh-port") return kMhPort;
  if (name == "mh-fallback") return kMhFallback;
  return 0;  // the config loader rejects unknown flags
}

Destination make_destination(const config::VirtualServer& vs, uint16_t service_port,
                             const config::Endpoint& ep, config::Forwarding forwarding,
                             int weight) {
  Destination d;
  d.address = to_ipvs_address(ep.addr);
  d.port = ep.port != 0 ? ep.port : service_port;
  d.forwarding = forwarding_of(forwarding);
  if (d.forwarding == Forwarding::kTunnel)
    d.tunnel_type = static_cast<TunnelType>(static_cast<uint8_t>(vs.tunnel_type));
  d.weight = weight;
  return d;
}

}  // namespace

IpAddress to_ipvs_address(const config::IpAddress& address) {
  IpAddress a;
  a.family = address.family == AF_INET6 ? Family::kInet6 : Family::kInet;
  a.bytes = address.bytes;
  return a;
}

Service service_from(const config::VirtualServer& vs) {
  Service s;
  if (vs.address) {
    s.address = to_ipvs_address(vs.address->addr);
    s.port = vs.address->port;
    s.protocol = protocol_of(vs.protocol);
  } else if (vs.fwmark) {
    s.fwmark = *vs.fwmark;
    s.address = IpAddress::any(vs.family == AF_INET6 ? Family::kInet6 : Family::kInet);
  }
  s.scheduler = vs.scheduler;
  for (const auto& flag : vs.scheduler_flags) s.flags |= scheduler_flag(flag);
  if (vs.persistence) {
    s.flags |= kPersistent;
    s.timeout = std::chrono::duration_cast<std::chrono::seconds>(vs.persistence->timeout);
    if (vs.persistence->netmask) {
      int len = vs.persistence->netmask->mask_prefix_len();
      if (len >= 0 && len < vs.persistence->netmask->max_prefix_len())
        s.persistence_prefix = static_cast<uint8_t>(len);
    }
  }
  return s;
}

std::vector<Service> services_from(const config::VirtualServer& vs) {
  const Service first = service_from(vs);
  std::vector<Service> out{first};
  for (const auto& ep : vs.more_addresses) {
    Service s = first;
    s.address = to_ipvs_address(ep.addr);
    s.port = ep.port;
    out.push_back(s);
  }
  for (uint32_t mark : vs.more_fwmarks) {
    Service s = first;
    s.fwmark = mark;
    s.address = IpAddress::any(vs.family == AF_INET6 ? Family::kInet6 : Family::kInet);
    s.port = 0;
    s.protocol = Protocol::kTcp;
    out.push_back(s);
  }
  return out;
}

Destination destination_from(const config::VirtualServer& vs, const Service& service,
                             const config::RealServer& rs, int weight) {
  Destination d =
      make_destination(vs, service.port, rs.address, rs.forwarding.value_or(vs.forwarding), weight);
  d.upper_threshold = rs.upper_threshold.value_or(0);
  d.lower_threshold = rs.lower_threshold.value_or(0);
  return d;
}

Destination destination_from(const config::VirtualServer& vs, const config::RealServer& rs,
                             int weight) {
  return destination_from(vs, service_from(vs), rs, weight);
}

Destination sorry_destination_from(const config::VirtualServer& vs, const Service& service,
                                   const config::Endpoint& sorry, int weight) {
  return make_destination(vs, service.port, sorry, vs.forwarding, weight);
}

}  // namespace hadirector::ipvs
