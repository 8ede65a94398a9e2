// Announcing VIPs after a transition to MASTER (RFC 5798 §6.4.1, §6.4.2): GratuitousSender is
// the door to the kernel (one gratuitous ARP or unsolicited NA per call); GratuitousBurst
// schedules config::Garp's `count` rounds `interval` apart, repeated every `repeat`, on a
// Scheduler. Neither decides when to announce: the instance glue starts and stops the burst.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/core/result.h"
#include "daemon/core/scheduler.h"
#include "vrrp/io/mac_address.h"

namespace hadirector::vrrp {

struct Announcement {
  int ifindex = 0;
  std::string ifname;  // for messages
  MacAddress mac{};    // interface MAC, or the virtual router MAC on a VMAC interface
  config::IpAddress vip;
  bool router = false;  // IPv6 NA Router flag (RFC 4861 §4.4): set when we forward
};

class GratuitousSender {
 public:
  virtual ~GratuitousSender() = default;
  // Gratuitous ARP for an IPv4 VIP, unsolicited NA to ff02::1 for an IPv6 one.
  virtual core::Status announce(const Announcement& announcement) = 0;
};

class GratuitousBurst {
 public:
  GratuitousBurst(core::Scheduler& scheduler, GratuitousSender& sender)
      : scheduler_(scheduler), sender_(sender) {}
  GratuitousBurst(const GratuitousBurst&) = delete;
  GratuitousBurst& operator=(const GratuitousBurst&) = delete;

  // Sends the first round now, the other count-1 rounds `interval` apart, and starts over
  // every `repeat` (0: once). Replaces a running burst. A failed send is counted and logged
  // once per round; the burst goes on.
  void start(std::vector<Announcement> announcements, const config::Garp& garp);
  void stop();
  bool running() const { return static_cast<bool>(timer_); }

  uint64_t sent() const { return sent_; }
  uint64_t failed() const { return failed_; }

 private:
  void round();

  core::Scheduler& scheduler_;
  GratuitousSender& sender_;
  std::vector<Announcement> announcements_;
  config::Garp garp_;
  int rounds_left_ = 0;
  core::Handle timer_;
  uint64_t sent_ = 0;
  uint64_t failed_ = 0;
};

}  // namespace hadirector::vrrp
