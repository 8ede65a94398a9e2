// Virtual router MAC support (RFC 5798 §7.3): a macvlan on the parent interface that carries
// 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6), so the MAC stays with the VIP on
// failover. Creates (or adopts) and removes such links and sets the ARP sysctls the setup
// needs; which instance uses a VMAC and when it is up is the instance glue's business.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/core/result.h"
#include "vrrp/io/address_manager.h"
#include "vrrp/io/netlink_util.h"

namespace hadirector::vrrp {

enum class MacvlanMode : uint8_t { kPrivate, kBridge };

struct VmacSpec {
  std::string parent;  // e.g. "eth0"
  std::string name;    // e.g. "vrrp.51"; empty: vmac_name(vrid)
  uint8_t vrid = 0;
  bool ipv6 = false;
  MacvlanMode mode = MacvlanMode::kPrivate;
};

// "vrrp.<vrid>".
std::string vmac_name(uint8_t vrid);

class VmacManager {
 public:
  virtual ~VmacManager() = default;
  // Creates the macvlan (up) if absent, adopts it if a link of that name already carries the
  // virtual router MAC, fails (kExists) if the name is taken by anything else.
  virtual core::Result<LinkInfo> ensure(const VmacSpec& spec) = 0;
  // Removing an absent link succeeds.
  virtual core::Status remove(std::string_view name) = 0;
};

// Over libnl-route. The sysctls (written through /proc/sys) apply in the calling thread's
// network namespace at ensure() time; the links in the namespace of create().
// On the macvlan: arp_ignore=1 (answer ARP only for its own addresses), arp_filter=0,
// rp_filter=0 and accept_local=1 (adverts from the parent's address arrive on it). On the
// parent: arp_ignore=1, so the parent does not answer for the VIP with its own MAC, and
// arp_announce=2, so its own ARP requests (replies from the VIP routed out of the parent) carry
// its primary address, never the VIP next to the parent's MAC, which would teach neighbours
// the wrong MAC for the VIP. IPv6 addr_gen_mode none on
// the macvlan, set before it goes up, so it has no link-local derived from the shared MAC.
class NetlinkVmacManager final : public VmacManager {
 public:
  static core::Result<std::unique_ptr<NetlinkVmacManager>> create();

  core::Result<LinkInfo> ensure(const VmacSpec& spec) override;
  core::Status remove(std::string_view name) override;

 private:
  explicit NetlinkVmacManager(NlSock sock, std::unique_ptr<AddressManager> links)
      : sock_(std::move(sock)), links_(std::move(links)) {}
  core::Status set_sysctls(const std::string& parent, const std::string& vmac);
  core::Status set_up(int ifindex);

  NlSock sock_;
  std::unique_ptr<AddressManager> links_;
};

}  // namespace hadirector::vrrp
