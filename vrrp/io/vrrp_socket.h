// The door to the kernel for VRRP adverts on one interface and one address family: send a
// VRRP message (IP protocol 112) with TTL/hop limit 255 from a chosen source address, and
// receive messages with the IP-layer facts receive_check needs. It neither encodes nor judges
// adverts (vrrp/packet.h, vrrp/receive_check.h do) and knows nothing of instances.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "daemon/core/handle.h"
#include "daemon/core/result.h"
#include "vrrp/checksum.h"  // kIpProtoVrrp
#include "vrrp/ip_address.h"
#include "vrrp/packet.h"  // peek_vrid

namespace hadirector::vrrp {

inline constexpr uint8_t kVrrpTtl = 255;  // RFC 5798 §5.1.1.3 / §5.1.2.3
// RFC 5798 §5.1.1.2 / §5.1.2.2: 224.0.0.18 and ff02::12.
inline constexpr IpAddress kVrrpGroupV4 = IpAddress::v4(224, 0, 0, 18);
inline constexpr IpAddress kVrrpGroupV6 =
    IpAddress::v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12});

inline constexpr IpAddress vrrp_group(Family family) {
  return family == Family::kIpv4 ? kVrrpGroupV4 : kVrrpGroupV6;
}

// What the IP layer said about one received message.
struct PacketFacts {
  IpAddress source;
  IpAddress destination;
  uint8_t ttl = 0;  // IPv4 TTL or IPv6 hop limit
  int ifindex = 0;
};

// What a socket saw below the VRRP layer (status: vrrp.sockets).
struct VrrpSocketStats {
  uint64_t received = 0;   // handed to subscribers
  uint64_t malformed = 0;  // bad IPv4 header, truncated read, missing ancillary data
  uint64_t send_errors = 0;
  // Datagrams the kernel dropped because the receive queue was full (SO_RXQ_OVFL): under a
  // flood the worker did not read fast enough, and a genuine advert may be among them.
  uint64_t overruns = 0;
};

class VrrpSocket {
 public:
  // `payload` is the VRRP message only (for IPv4 the IP header is already stripped); it is
  // valid during the call only.
  using ReceiveFn = std::function<void(std::span<const uint8_t> payload, const PacketFacts&)>;

  virtual ~VrrpSocket() = default;

  virtual Family family() const = 0;
  virtual int ifindex() const = 0;
  virtual VrrpSocketStats stats() const { return {}; }

  // Sends one VRRP message to `destination` (the group, or one unicast peer) with `source` as
  // the IP source address; for IPv6 that is the interface's link-local address (RFC 5798
  // §5.1.2.1). Unicast to several peers is one call per peer: the IPv4 VRRPv3 and the IPv6
  // checksums cover the destination, so each peer gets its own encoding.
  virtual core::Status send(std::span<const uint8_t> payload, const IpAddress& destination,
                            const IpAddress& source) = 0;

  // Every message received from now on goes to every subscriber (several instances share
  // one socket; each picks its own VRID). Destroying the handle unsubscribes.
  [[nodiscard]] virtual core::Handle subscribe(ReceiveFn fn) = 0;
  // Only messages for `vrid` (and those too short to name one, which every instance counts as
  // malformed: check_advert looks at the VRID first). A socket shared by 250 instances then hands a
  // packet to one of them rather than to all: the fan-out dominated a backup's CPU at 1,000
  // instances. This default filters a subscribe() to all; an implementation may index its
  // subscribers by VRID instead.
  [[nodiscard]] virtual core::Handle subscribe_vrid(uint8_t vrid, ReceiveFn fn) {
    return subscribe(
        [vrid, fn = std::move(fn)](std::span<const uint8_t> payload, const PacketFacts& facts) {
          const std::optional<uint8_t> named = peek_vrid(payload);
          if (!named || *named == vrid) fn(payload, facts);
        });
  }
};

}  // namespace hadirector::vrrp
