// GratuitousSender over the kernel: gratuitous ARP frames through an AF_PACKET socket (so the
// Ethernet source can be the virtual router MAC) and unsolicited NAs through a raw ICMPv6
// socket with hop limit 255 (RFC 4861 §7.1.2), sent out of the given interface; the kernel
// computes the ICMPv6 checksum. Neither socket reads anything.
#pragma once

#include <memory>

#include "daemon/core/unique_fd.h"
#include "vrrp/io/garp.h"

namespace hadirector::vrrp {

class PacketGratuitousSender final : public GratuitousSender {
 public:
  // Opens its sockets in the calling thread's network namespace.
  static core::Result<std::unique_ptr<PacketGratuitousSender>> create();

  core::Status announce(const Announcement& announcement) override;

 private:
  PacketGratuitousSender(core::UniqueFd packet, core::UniqueFd icmp6)
      : packet_(std::move(packet)), icmp6_(std::move(icmp6)) {}
  core::Status send_arp(const Announcement& a);
  core::Status send_na(const Announcement& a);

  core::UniqueFd packet_;
  core::UniqueFd icmp6_;
};

}  // namespace hadirector::vrrp
