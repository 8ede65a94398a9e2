// Virtual MAC (`vmac: true`, RFC 5798 §7.3) with the real hadirectord: the master holds the VIP
// on a macvlan carrying 00:00:5e:00:01:VRID, a client's ARP for the VIP resolves to that MAC
// before and after a failover (the MAC moves with the VIP), and the macvlan is gone after stop.
// Root only.
#include <signal.h>

#include <cstdio>

#include "tests/netns/vrrp_director_lab.h"

namespace hadirector::testing {
namespace {

constexpr const char* kVirtualMac = "00:00:5e:00:01:33";  // VRID 51

class VrrpVmac : public DirectorLab {
 protected:
  bool vip_on_vmac(int i) {
    auto list = probes_[i - 1]->addresses("vrrp.51");
    return list && std::ranges::any_of(*list, [](const config::IpPrefix& p) {
             return p.to_string() == "192.0.2.100/24";
           });
  }
  bool vmac_exists(int i) {
    return lab_.exec(ns_[i - 1], {"ip", "link", "show", "vrrp.51"}).exit_code == 0;
  }
  // The client's (director 3, no daemon) neighbour entry for the VIP.
  std::string client_neigh() {
    return lab_.exec(ns_[2], {"ip", "neigh", "show", "192.0.2.100"}).out;
  }
  // Forgets the VIP's neighbour entry, sends it a datagram (the machine has no ping) and says
  // whether ARP resolved it to the virtual MAC.
  bool client_resolves_vmac() {
    lab_.exec(ns_[2], {"ip", "neigh", "flush", "to", "192.0.2.100"});
    lab_.exec(ns_[2], {"bash", "-c", "echo x > /dev/udp/192.0.2.100/9"});
    return eventually([&] { return client_neigh().find(kVirtualMac) != std::string::npos; },
                      std::chrono::milliseconds(500));
  }
};

std::string vmac_yaml(int priority) {
  return "version: 1\nvrrp:\n  instances:\n"
         "    - {name: web, interface: eth0, vrid: 51, priority: " +
         std::to_string(priority) +
         ", advert_interval: 100ms, vmac: true, virtual_addresses: [192.0.2.100/24]}\n";
}

TEST_F(VrrpVmac, ClientSeesTheVirtualMacBeforeAndAfterFailoverAndStopRemovesTheMacvlan) {
  add_directors(3);
  DaemonHarness& a = daemon(1, vmac_yaml(200));
  DaemonHarness& b = daemon(2, vmac_yaml(100));
  a.start();
  b.start();
  ASSERT_TRUE(eventually([&] { return vip_on_vmac(1); })) << a.log();
  EXPECT_FALSE(has_address(1, "192.0.2.100/24"));                      // not on eth0
  ASSERT_TRUE(eventually([&] { return vmac_exists(2); })) << b.log();  // the backup's, idle
  EXPECT_FALSE(vip_on_vmac(2));
  ASSERT_TRUE(eventually([&] { return client_resolves_vmac(); })) << client_neigh();

  a.signal(SIGTERM);
  ASSERT_TRUE(a.wait_exit(std::chrono::seconds(10)).has_value()) << a.log();
  const bool moved = eventually([&] { return vip_on_vmac(2); });
  ASSERT_TRUE(moved) << b.log();
  EXPECT_FALSE(vmac_exists(1)) << "the stopped director's macvlan is still there";
  // Same MAC from the new master: a fresh resolution is answered by its VMAC.
  EXPECT_TRUE(client_resolves_vmac()) << client_neigh() << b.log();

  b.signal(SIGTERM);
  ASSERT_TRUE(b.wait_exit(std::chrono::seconds(10)).has_value()) << b.log();
  EXPECT_FALSE(vmac_exists(2));
  EXPECT_FALSE(client_resolves_vmac()) << client_neigh();
}

}  // namespace
}  // namespace hadirector::testing
