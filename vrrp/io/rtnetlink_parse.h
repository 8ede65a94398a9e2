// Pure parsing of rtnetlink notifications (RTM_NEWLINK/DELLINK, RTM_NEWADDR/DELADDR) into the
// LinkMonitor's facts. Bounds-checked on every length field; unknown message types and
// malformed messages become std::monostate. No sockets, no libnl objects.
#pragma once

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "vrrp/io/link_monitor.h"

namespace hadirector::vrrp {

using RtnetlinkEvent = std::variant<std::monostate, LinkState, AddressChange>;

// Every message of one netlink datagram, in order; parsing stops at the first message whose
// length is out of bounds.
std::vector<RtnetlinkEvent> parse_rtnetlink_datagram(std::span<const uint8_t> datagram);

}  // namespace hadirector::vrrp
