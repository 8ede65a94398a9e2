// VMAC (`vmac: true`, RFC 5798 §7.3) in the instance glue with the fake doors: the macvlan is
// made at start, VIPs and GARP live on it, adverts leave through its send-only socket and are
// still heard on the parent, and stop removes it.
#include <gtest/gtest.h>

#include "tests/unit/vrrp/instance_lab.h"

namespace hadirector::testing {
namespace {

using std::chrono::milliseconds;

class InstanceVmac : public InstanceLab {
 protected:
  // A router whose instance uses a VMAC; its send-only socket joins the LAN like any other.
  Router& vmac_router(const std::string& host, int priority) {
    auto cfg = instance_config("web", priority);
    cfg.vmac = true;
    Router& r = add(host, cfg);
    r.addresses.add_link("vrrp.51", 100);  // the fake VmacManager's first ifindex
    r.instance->use_vmac(vmac_, [&](int ifindex, vrrp::Family family) {
      auto s = std::make_unique<FakeVrrpSocket>(ifindex, family);
      lan_.attach(*s);
      vmac_socket_ = s.get();
      return core::Result<std::unique_ptr<vrrp::VrrpSocket>>(std::move(s));
    });
    return r;
  }
  FakeVmacManager vmac_;
  FakeVrrpSocket* vmac_socket_ = nullptr;
};

TEST_F(InstanceVmac, MasterPutsVipsOnTheVmacAndAnnouncesTheVirtualMac) {
  Router& r = vmac_router("192.0.2.1/24", 200);
  start_all();
  ASSERT_EQ(r.state(), vrrp::State::kMaster);
  ASSERT_TRUE(vmac_.links().contains("vrrp.51"));
  auto on_vmac = r.addresses.addresses("vrrp.51");
  ASSERT_TRUE(on_vmac);
  EXPECT_EQ(*on_vmac, std::vector<config::IpPrefix>{prefix("192.0.2.100/24")});
  EXPECT_FALSE(r.has_vip());  // not on eth0
  ASSERT_FALSE(r.garp.announced().empty());
  const auto& a = r.garp.announced().front();
  EXPECT_EQ(a.ifindex, 100);
  EXPECT_EQ(a.mac, vrrp::virtual_router_mac(false, 51));
  ASSERT_NE(vmac_socket_, nullptr);
  EXPECT_FALSE(vmac_socket_->sent().empty());  // adverts leave from the VMAC
  EXPECT_TRUE(r.socket->sent().empty());
}

TEST_F(InstanceVmac, PeerOnTheParentHearsAdvertsSentFromTheVmac) {
  Router& a = vmac_router("192.0.2.1/24", 200);
  Router& b = add("192.0.2.2/24", instance_config("web", 100));
  start_all();
  EXPECT_EQ(a.state(), vrrp::State::kMaster);
  EXPECT_EQ(b.state(), vrrp::State::kBackup);
}

TEST_F(InstanceVmac, StopRemovesTheVmac) {
  Router& r = vmac_router("192.0.2.1/24", 200);
  start_all();
  r.instance->stop();
  EXPECT_FALSE(vmac_.links().contains("vrrp.51"));
  EXPECT_FALSE(r.instance->vmac_link().has_value());
  EXPECT_TRUE(r.addresses.addresses("vrrp.51")->empty());
}

}  // namespace
}  // namespace hadirector::testing
