// Small builders shared by the reconciler tests: a TCP service and a destination on port 80.
#pragma once

#include <cstdint>

#include "ipvs/ipvs_types.h"

namespace hadirector::ipvs {

inline Service tcp(const char* addr, std::uint16_t port) {
  Service s;
  s.address = *IpAddress::parse(addr);
  s.port = port;
  return s;
}

inline Destination dest(const char* addr, int weight) {
  Destination d;
  d.address = *IpAddress::parse(addr);
  d.port = 80;
  d.weight = weight;
  return d;
}

}  // namespace hadirector::ipvs
