// What the reconciler is fed: configured virtual and real servers as IPVS services and
// destinations (flags, persistence, forwarding, default ports).
#include <gtest/gtest.h>

#include "ipvs/config_mapping.h"

namespace hadirector::ipvs {
namespace {

config::VirtualServer web() {
  config::VirtualServer vs;
  vs.name = "web";
  vs.address = *config::Endpoint::from_string("192.0.2.1:443");
  vs.family = AF_INET;
  return vs;
}

config::RealServer real(const char* addr) {
  config::RealServer rs;
  rs.address = *config::Endpoint::from_string(addr, /*port_optional=*/true);
  return rs;
}

TEST(ReconcilerMapping, AddressServiceCarriesProtocolAndScheduler) {
  auto vs = web();
  vs.protocol = config::Protocol::kUdp;
  vs.scheduler = "rr";
  Service s = service_from(vs);
  EXPECT_EQ(s.name(), "UDP 192.0.2.1:443");
  EXPECT_EQ(s.scheduler, "rr");
  EXPECT_EQ(s.flags, 0u);
}

TEST(ReconcilerMapping, FwmarkServiceHasNoAddress) {
  config::VirtualServer vs;
  vs.fwmark = 10;
  vs.family = AF_INET6;
  EXPECT_EQ(service_from(vs).name(), "FWM 10 IPv6");
}

TEST(ReconcilerMapping, SchedulerFlagsAndPersistence) {
  auto vs = web();
  vs.scheduler = "sh";
  vs.scheduler_flags = {"sh-port"};
  vs.persistence = config::Persistence{std::chrono::seconds(600),
                                       *config::IpAddress::from_string("255.255.255.0")};
  Service s = service_from(vs);
  EXPECT_EQ(s.flags, static_cast<uint32_t>(kShPort | kPersistent));
  EXPECT_EQ(s.timeout, std::chrono::seconds(600));
  EXPECT_EQ(s.persistence_prefix, 24);
}

TEST(ReconcilerMapping, RealServerWithoutPortUsesTheServicePort) {
  Destination d = destination_from(web(), real("198.51.100.11"), 7);
  EXPECT_EQ(d.name(), "198.51.100.11:443");
  EXPECT_EQ(d.weight, 7);
  EXPECT_EQ(d.forwarding, Forwarding::kDirectRoute);
}

TEST(ReconcilerMapping, ForwardingOverrideAndThresholds) {
  auto rs = real("198.51.100.11:8443");
  rs.forwarding = config::Forwarding::kNat;
  rs.upper_threshold = 100;
  rs.lower_threshold = 80;
  Destination d = destination_from(web(), rs, 1);
  EXPECT_EQ(d.forwarding, Forwarding::kMasq);
  EXPECT_EQ(d.upper_threshold, 100u);
  EXPECT_EQ(d.lower_threshold, 80u);
}

TEST(ReconcilerMapping, TunnelForwardingCarriesTheTunnelType) {
  auto vs = web();
  vs.forwarding = config::Forwarding::kTun;
  vs.tunnel_type = config::TunnelType::kGre;
  Destination d = sorry_destination_from(vs, service_from(vs),
                                         *config::Endpoint::from_string("198.51.100.99:80"), 1);
  EXPECT_EQ(d.forwarding, Forwarding::kTunnel);
  EXPECT_EQ(d.tunnel_type, TunnelType::kGre);
}

}  // namespace
}  // namespace hadirector::ipvs
