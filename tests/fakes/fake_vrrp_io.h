// Fakes of the VRRP I/O doors (vrrp/io): a VrrpSocket that records what is sent and delivers
// what a test injects, an in-memory LAN that carries adverts between fake sockets on a
// Scheduler (no reentrancy: delivery is one scheduled step later), an AddressManager over an
// in-memory table with the kernel's idempotency and error texts, a LinkMonitor a test drives,
// and a GratuitousSender that records announcements. No kernel, no root, no time of their own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/scheduler.h"
#include "vrrp/io/address_manager.h"
#include "vrrp/io/garp.h"
#include "vrrp/io/link_monitor.h"
#include "vrrp/io/subscribers.h"
#include "vrrp/io/vmac_manager.h"
#include "vrrp/io/vrrp_socket.h"

namespace hadirector::testing {

class FakeVrrpLan;

struct SentAdvert {
  std::vector<uint8_t> payload;
  vrrp::IpAddress destination;
  vrrp::IpAddress source;
};

class FakeVrrpSocket final : public vrrp::VrrpSocket {
 public:
  FakeVrrpSocket(int ifindex, vrrp::Family family) : ifindex_(ifindex), family_(family) {}
  ~FakeVrrpSocket() override;

  vrrp::Family family() const override { return family_; }
  int ifindex() const override { return ifindex_; }
  core::Status send(std::span<const uint8_t> payload, const vrrp::IpAddress& destination,
                    const vrrp::IpAddress& source) override;
  [[nodiscard]] core::Handle subscribe(ReceiveFn fn) override;

  // Hands a message to every subscriber, as if it had arrived.
  void deliver(std::span<const uint8_t> payload, const vrrp::PacketFacts& facts);
  const std::vector<SentAdvert>& sent() const { return sent_; }
  void clear_sent() { sent_.clear(); }
  // The next send fails with this errno.
  void fail_next_send(int err) { fail_next_ = err; }
  size_t subscriber_count() const { return subscribers_.size(); }

  // Unicast destinations this socket answers to (its own addresses), for FakeVrrpLan.
  std::vector<vrrp::IpAddress> local_addresses;

 private:
  friend class FakeVrrpLan;
  int ifindex_;
  vrrp::Family family_;
  std::vector<SentAdvert> sent_;
  int fail_next_ = 0;
  FakeVrrpLan* lan_ = nullptr;
  vrrp::Subscribers<std::span<const uint8_t>, const vrrp::PacketFacts&> subscribers_;
};

// Carries every send of an attached socket to the other attached sockets of the same family
// that the destination reaches (the VRRP group, or a unicast address in local_addresses),
// with TTL 255, one scheduled step later. cut(socket) isolates a socket (split brain).
class FakeVrrpLan {
 public:
  explicit FakeVrrpLan(core::Scheduler& scheduler) : scheduler_(scheduler) {}
  ~FakeVrrpLan();
  void attach(FakeVrrpSocket& socket);
  void detach(FakeVrrpSocket& socket);
  void cut(FakeVrrpSocket& socket, bool isolated = true);
  uint64_t delivered() const { return delivered_; }

 private:
  friend class FakeVrrpSocket;
  void carry(FakeVrrpSocket& from, const SentAdvert& advert);

  core::Scheduler& scheduler_;
  std::vector<FakeVrrpSocket*> sockets_;
  std::vector<FakeVrrpSocket*> isolated_;
  std::vector<std::pair<std::shared_ptr<bool>, core::Handle>> in_flight_;
  uint64_t delivered_ = 0;
};

class FakeAddressManager final : public vrrp::AddressManager {
 public:
  // Adds an interface; ifindex is assigned in order from 2 unless given.
  vrrp::LinkInfo& add_link(const std::string& name, int ifindex = 0);

  core::Status add_address(std::string_view ifname, const config::IpPrefix& prefix,
                           const vrrp::AddressOptions& options = {}) override;
  core::Status remove_address(std::string_view ifname, const config::IpPrefix& prefix) override;
  core::Result<std::vector<config::IpPrefix>> addresses(std::string_view ifname) override;
  core::Result<vrrp::LinkInfo> link(std::string_view ifname) override;
  core::Result<std::optional<config::IpAddress>> primary_ipv4(std::string_view ifname) override;
  core::Result<std::optional<config::IpAddress>> ipv6_link_local(std::string_view ifname) override;

  // The next add_address/remove_address fails with this errno.
  void fail_next(int err) { fail_next_ = err; }
  // "add eth0 192.0.2.10/24", "remove eth0 192.0.2.10/24" for every successful change.
  const std::vector<std::string>& log() const { return log_; }
  const vrrp::AddressOptions* options_of(std::string_view ifname, const config::IpPrefix& p) const;
  // How many primary_ipv4/ipv6_link_local lookups were made (each is a netlink dump for real).
  int source_lookups() const { return source_lookups_; }

 private:
  struct Link {
    vrrp::LinkInfo info;
    std::vector<std::pair<config::IpPrefix, vrrp::AddressOptions>> addresses;
  };
  core::Result<Link*> find(std::string_view ifname, const std::string& what);

  std::map<std::string, Link, std::less<>> links_;
  int next_index_ = 2;
  int fail_next_ = 0;
  int source_lookups_ = 0;
  std::vector<std::string> log_;
};

class FakeLinkMonitor final : public vrrp::LinkMonitor {
 public:
  // Records the state and notifies link subscribers if it changed.
  void set_link(const vrrp::LinkState& state);
  void change_address(const vrrp::AddressChange& change);
  // Counts a resync and notifies its subscribers.
  void resync();

  std::optional<vrrp::LinkState> link(int ifindex) const override;
  std::optional<vrrp::LinkState> link(std::string_view name) const override;
  [[nodiscard]] core::Handle on_link_change(LinkFn fn) override;
  [[nodiscard]] core::Handle on_address_change(AddressFn fn) override;
  [[nodiscard]] core::Handle on_resync(ResyncFn fn) override;
  [[nodiscard]] core::Handle on_any_change(AnyFn fn) override {
    return subscribers_.on_any_change(std::move(fn));
  }
  uint64_t resync_count() const override { return resyncs_; }

 private:
  std::map<int, vrrp::LinkState> links_;
  vrrp::LinkSubscribers subscribers_;
  uint64_t resyncs_ = 0;
};

class FakeGratuitousSender final : public vrrp::GratuitousSender {
 public:
  core::Status announce(const vrrp::Announcement& announcement) override;
  const std::vector<vrrp::Announcement>& announced() const { return announced_; }
  void fail_next(int err) { fail_next_ = err; }

 private:
  std::vector<vrrp::Announcement> announced_;
  int fail_next_ = 0;
};

// VMAC links in memory: ensure() creates "name" with the virtual router MAC (adopting an
// existing one), remove() deletes it; both idempotent like the real one.
class FakeVmacManager final : public vrrp::VmacManager {
 public:
  core::Result<vrrp::LinkInfo> ensure(const vrrp::VmacSpec& spec) override;
  core::Status remove(std::string_view name) override;
  const std::map<std::string, vrrp::LinkInfo, std::less<>>& links() const { return links_; }

 private:
  std::map<std::string, vrrp::LinkInfo, std::less<>> links_;
  int next_index_ = 100;
};

}  // namespace hadirector::testing
