#include "vrrp/io/rtnetlink_parse.h"

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>
#include <string>

namespace hadirector::vrrp {
namespace {

constexpr size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

// Calls fn(type, value) for each well-formed attribute in `attrs`.
template <typename Fn>
void for_each_attr(std::span<const uint8_t> attrs, Fn fn) {
  while (attrs.size() >= sizeof(rtattr)) {
    rtattr rta;
    std::memcpy(&rta, attrs.data(), sizeof rta);
    if (rta.rta_len < sizeof rta || rta.rta_len > attrs.size()) return;
    fn(rta.rta_type, attrs.subspan(sizeof rta, rta.rta_len - sizeof rta));
    size_t step = align4(rta.rta_len);
    if (step >= attrs.size()) return;
    attrs = attrs.subspan(step);
  }
}

RtnetlinkEvent parse_link(uint16_t type, std::span<const uint8_t> body) {
  if (body.size() < sizeof(ifinfomsg)) return std::monostate{};
  ifinfomsg info;
  std::memcpy(&info, body.data(), sizeof info);
  LinkState state;
  state.ifindex = info.ifi_index;
  state.up = (info.ifi_flags & IFF_UP) != 0;
  state.running = (info.ifi_flags & IFF_RUNNING) != 0;
  state.present = type == RTM_NEWLINK;
  for_each_attr(body.subspan(align4(sizeof info)), [&](uint16_t t, std::span<const uint8_t> v) {
    if (t == IFLA_IFNAME)
      state.name = std::string(reinterpret_cast<const char*>(v.data()),
                               strnlen(reinterpret_cast<const char*>(v.data()), v.size()));
  });
  return state;
}

RtnetlinkEvent parse_address(uint16_t type, std::span<const uint8_t> body) {
  if (body.size() < sizeof(ifaddrmsg)) return std::monostate{};
  ifaddrmsg msg;
  std::memcpy(&msg, body.data(), sizeof msg);
  size_t len = msg.ifa_family == AF_INET ? 4 : msg.ifa_family == AF_INET6 ? 16 : 0;
  if (len == 0 || msg.ifa_prefixlen > len * 8) return std::monostate{};
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links
  // and the only one IPv6 sends.
  std::optional<std::span<const uint8_t>> local, address;
  for_each_attr(body.subspan(align4(sizeof msg)), [&](uint16_t t, std::span<const uint8_t> v) {
    if (v.size() != len) return;
    if (t == IFA_LOCAL) local = v;
    if (t == IFA_ADDRESS) address = v;
  });
  auto chosen = local ? local : address;
  if (!chosen) return std::monostate{};
  AddressChange change;
  change.ifindex = static_cast<int>(msg.ifa_index);
  change.added = type == RTM_NEWADDR;
  change.prefix.addr.family = msg.ifa_family;
  std::memcpy(change.prefix.addr.bytes.data(), chosen->data(), len);
  change.prefix.len = msg.ifa_prefixlen;
  return change;
}

}  // namespace

std::vector<RtnetlinkEvent> parse_rtnetlink_datagram(std::span<const uint8_t> datagram) {
  std::vector<RtnetlinkEvent> out;
  while (datagram.size() >= sizeof(nlmsghdr)) {
    nlmsghdr hdr;
    std::memcpy(&hdr, datagram.data(), sizeof hdr);
    if (hdr.nlmsg_len < sizeof hdr || hdr.nlmsg_len > datagram.size()) break;
    auto body = datagram.subspan(NLMSG_HDRLEN, hdr.nlmsg_len - NLMSG_HDRLEN);
    switch (hdr.nlmsg_type) {
      case RTM_NEWLINK:
      case RTM_DELLINK:
        out.push_back(parse_link(hdr.nlmsg_type, body));
        break;
      case RTM_NEWADDR:
      case RTM_DELADDR:
        out.push_back(parse_address(hdr.nlmsg_type, body));
        break;
      default:
        out.emplace_back(std::monostate{});
    }
    size_t step = NLMSG_ALIGN(hdr.nlmsg_len);
    if (step >= datagram.size()) break;
    datagram = datagram.subspan(step);
  }
  return out;
}

}  // namespace hadirector::vrrp
