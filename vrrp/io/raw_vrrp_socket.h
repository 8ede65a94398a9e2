// VrrpSocket over a raw IP socket (protocol 112) bound to one interface: joins the VRRP group
// there, sends with TTL/hop limit 255 and an explicit source (IP_PKTINFO / IPV6_PKTINFO), and
// reads TTL, destination and interface from ancillary data. Non-blocking, driven by the
// EventLoop. Does not decode VRRP; malformed IPv4 headers are counted and dropped here.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct msghdr;
struct mmsghdr;

#include "daemon/core/event_loop.h"
#include "daemon/core/unique_fd.h"
#include "vrrp/io/subscribers.h"
#include "vrrp/io/vrrp_socket.h"

namespace hadirector::vrrp {

class RawVrrpSocket final : public VrrpSocket {
 public:
  // Opens the socket in the calling thread's network namespace. `ifname` is for messages.
  // Without `join_group` the socket only sends (a VMAC's: a membership report from a backup's
  // VMAC would teach the switches the virtual MAC on the wrong port).
  static core::Result<std::unique_ptr<RawVrrpSocket>> open(core::EventLoop& loop, int ifindex,
                                                           std::string ifname, Family family,
                                                           bool join_group = true);

  ~RawVrrpSocket() override;

  Family family() const override { return family_; }
  int ifindex() const override { return ifindex_; }
  core::Status send(std::span<const uint8_t> payload, const IpAddress& destination,
                    const IpAddress& source) override;
  [[nodiscard]] core::Handle subscribe(ReceiveFn fn) override;
  // Indexed by VRID: a packet costs one lookup, not a call per instance on the interface.
  [[nodiscard]] core::Handle subscribe_vrid(uint8_t vrid, ReceiveFn fn) override;

  VrrpSocketStats stats() const override { return stats_; }
  int fd() const { return fd_.get(); }

 private:
  RawVrrpSocket(core::UniqueFd fd, int ifindex, std::string ifname, Family family);
  void on_readable();
  // Reads up to kBatch datagrams with one recvmmsg and hands them on; the number read (0 when
  // the socket has nothing more or failed), or -1 when a callback destroyed this socket.
  int receive_batch();
  // Checks one received datagram's ancillary data and IP header, then delivers it; false when a
  // callback destroyed this socket.
  bool handle_datagram(msghdr& msg, size_t slot, size_t length);

  core::UniqueFd fd_;
  int ifindex_;
  std::string ifname_;
  Family family_;
  core::Handle watch_;
  using Receivers = Subscribers<std::span<const uint8_t>, const PacketFacts&>;
  // Hands a packet to those who want it; false when a callback destroyed this socket.
  bool deliver(std::span<const uint8_t> payload, const PacketFacts& facts);
  Receivers subscribers_;                 // every packet
  // One VRID's packets, indexed directly: looked up for every packet.
  std::array<std::unique_ptr<Receivers>, 256> by_vrid_;
  VrrpSocketStats stats_;
  // One recvmmsg reads a batch: under a flood of 100,000 packets a second one system call per
  // packet was most of the worker's time, and a slower reader loses genuine adverts to the full
  // queue. A VRRP message is at most 8 + 255 * 16 bytes (plus an IPv4 header and an HMAC
  // trailer); a larger datagram is truncated and dropped.
  static constexpr size_t kBatch = 16;
  static constexpr size_t kDatagram = 4608;
  static constexpr size_t kHead = 256;  // an IPv4 advert with 50 addresses, or an HMAC trailer
  struct Slot;
  std::unique_ptr<Slot[]> slots_;
  static constexpr size_t kTails = kBatch * (kDatagram - kHead);
  struct Unmap {
    void operator()(uint8_t* p) const;
  };
  static std::unique_ptr<uint8_t[], Unmap> map_tails();
  std::unique_ptr<uint8_t[], Unmap> tails_;  // each slot's bytes past kHead
  std::vector<uint8_t> joined_;       // a datagram longer than kHead, in one piece
  std::unique_ptr<mmsghdr[]> messages_;  // recvmmsg's headers, pointing into slots_
  void reset_slot(size_t i);
  // A subscriber may drop the last reference to this socket from inside its callback.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hadirector::vrrp
