// parse_rtnetlink_datagram on hand-built messages: link flags and names, address additions
// and removals (IFA_LOCAL preferred over IFA_ADDRESS), several messages per datagram, and
// lengths that lie.
#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstring>
#include <string>
#include <vector>

#include "vrrp/io/rtnetlink_parse.h"

namespace hadirector::vrrp {
namespace {

using Bytes = std::vector<uint8_t>;

template <typename T>
void append(Bytes& out, const T& value) {
  const auto* p = reinterpret_cast<const uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof value);
}

void append_attr(Bytes& out, uint16_t type, const void* data, size_t len) {
  rtattr rta{static_cast<unsigned short>(sizeof(rtattr) + len), type};
  append(out, rta);
  const auto* p = static_cast<const uint8_t*>(data);
  out.insert(out.end(), p, p + len);
  out.resize((out.size() + 3) & ~size_t{3}, 0);
}

Bytes message(uint16_t type, const Bytes& body) {
  nlmsghdr hdr{};
  hdr.nlmsg_len = static_cast<uint32_t>(sizeof hdr + body.size());
  hdr.nlmsg_type = type;
  Bytes out;
  append(out, hdr);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes link_message(uint16_t type, int index, unsigned flags, const char* name) {
  ifinfomsg info{};
  info.ifi_index = index;
  info.ifi_flags = flags;
  Bytes body;
  append(body, info);
  if (name) append_attr(body, IFLA_IFNAME, name, std::strlen(name) + 1);
  return message(type, body);
}

Bytes addr_message(uint16_t type, int family, int index, uint8_t prefixlen, const Bytes& local,
                   const Bytes& address) {
  ifaddrmsg msg{};
  msg.ifa_family = static_cast<uint8_t>(family);
  msg.ifa_prefixlen = prefixlen;
  msg.ifa_index = static_cast<uint32_t>(index);
  Bytes body;
  append(body, msg);
  if (!address.empty()) append_attr(body, IFA_ADDRESS, address.data(), address.size());
  if (!local.empty()) append_attr(body, IFA_LOCAL, local.data(), local.size());
  return message(type, body);
}

TEST(RtnetlinkParse, NewLinkGivesNameAndUpRunningFlags) {
  auto events = parse_rtnetlink_datagram(link_message(RTM_NEWLINK, 7, IFF_UP, "eth0"));
  ASSERT_EQ(events.size(), 1u);
  auto* link = std::get_if<LinkState>(&events[0]);
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(*link, (LinkState{.ifindex = 7, .name = "eth0", .up = true, .running = false}));
}

TEST(RtnetlinkParse, DelLinkMarksTheLinkAbsent) {
  auto events = parse_rtnetlink_datagram(link_message(RTM_DELLINK, 7, 0, "eth0"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(std::get<LinkState>(events[0]).present);
}

TEST(RtnetlinkParse, Ipv4AddressPrefersLocalOverPeerAddress) {
  auto events = parse_rtnetlink_datagram(
      addr_message(RTM_NEWADDR, AF_INET, 3, 24, {192, 0, 2, 10}, {192, 0, 2, 99}));
  ASSERT_EQ(events.size(), 1u);
  auto change = std::get<AddressChange>(events[0]);
  EXPECT_TRUE(change.added);
  EXPECT_EQ(change.ifindex, 3);
  EXPECT_EQ(change.prefix.to_string(), "192.0.2.10/24");
}

TEST(RtnetlinkParse, Ipv6AddressRemovalUsesIfaAddress) {
  Bytes v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  auto events = parse_rtnetlink_datagram(addr_message(RTM_DELADDR, AF_INET6, 4, 64, {}, v6));
  ASSERT_EQ(events.size(), 1u);
  auto change = std::get<AddressChange>(events[0]);
  EXPECT_FALSE(change.added);
  EXPECT_EQ(change.prefix.to_string(), "2001:db8::1/64");
}

TEST(RtnetlinkParse, ReadsEveryMessageOfADatagram) {
  Bytes d = link_message(RTM_NEWLINK, 1, IFF_UP | IFF_RUNNING, "lo");
  Bytes second = addr_message(RTM_NEWADDR, AF_INET, 1, 8, {127, 0, 0, 1}, {});
  d.insert(d.end(), second.begin(), second.end());
  auto events = parse_rtnetlink_datagram(d);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<LinkState>(events[0]));
  EXPECT_TRUE(std::holds_alternative<AddressChange>(events[1]));
}

TEST(RtnetlinkParse, StopsAtAMessageLongerThanTheDatagram) {
  Bytes d = link_message(RTM_NEWLINK, 1, IFF_UP, "lo");
  d[0] = static_cast<uint8_t>(d.size() + 4);  // nlmsg_len (little-endian low byte) lies
  EXPECT_TRUE(parse_rtnetlink_datagram(d).empty());
}

TEST(RtnetlinkParse, AddressWithWrongLengthOrPrefixIsIgnored) {
  auto short_addr =
      parse_rtnetlink_datagram(addr_message(RTM_NEWADDR, AF_INET, 3, 24, {192, 0, 2}, {}));
  ASSERT_EQ(short_addr.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(short_addr[0]));
  auto long_prefix =
      parse_rtnetlink_datagram(addr_message(RTM_NEWADDR, AF_INET, 3, 33, {192, 0, 2, 1}, {}));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(long_prefix[0]));
}

TEST(RtnetlinkParse, AttributeLongerThanItsMessageIsNotRead) {
  Bytes d = link_message(RTM_NEWLINK, 5, IFF_UP, "eth1");
  // The IFLA_IFNAME rtattr starts after nlmsghdr (16) and ifinfomsg (16); claim 200 bytes.
  d[32] = 200;
  auto events = parse_rtnetlink_datagram(d);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<LinkState>(events[0]).name, "");
}

TEST(RtnetlinkParse, EveryTruncationParsesWithoutReadingPastTheEnd) {
  Bytes d = link_message(RTM_NEWLINK, 5, IFF_UP, "eth1");
  for (size_t n = 0; n < d.size(); ++n) {
    Bytes cut(d.begin(), d.begin() + static_cast<long>(n));
    EXPECT_TRUE(parse_rtnetlink_datagram(cut).empty()) << n;
  }
}

}  // namespace
}  // namespace hadirector::vrrp
