// VrrpInstance with authenticated adverts on the fake LAN: adverts leave signed and elect as
// usual, a replayed advert is counted as authReplay, a peer without the key is not heard, and
// keys roll through update() without a transition. Wall-clock based sequences: both ends read
// the same clock, and no assertion depends on its value.
#include <gtest/gtest.h>

#include "tests/unit/vrrp/instance_lab.h"
#include "vrrp/auth_hmac.h"

namespace hadirector::testing {
namespace {

using std::chrono::milliseconds;
using vrrp::DropReason;
using vrrp::State;

config::AuthKeyConfig key(int id, uint8_t fill) {
  return {.id = id, .secret_file = "/unused", .secret = std::vector<uint8_t>(32, fill)};
}

config::VrrpInstance authenticated(int priority, std::vector<config::AuthKeyConfig> keys,
                                   int send_key) {
  config::VrrpInstance c = instance_config("web", priority);
  c.authentication.emplace();
  c.authentication->keys = std::move(keys);
  c.authentication->send_key = send_key;
  return c;
}

uint64_t drops(const Router& r, DropReason reason) {
  return r.instance->counters().drops[static_cast<size_t>(reason)];
}

class InstanceHmac : public InstanceLab {};

TEST_F(InstanceHmac, SignedAdvertsElectAndEveryOneVerifies) {
  Router& a = add("192.0.2.1/24", authenticated(200, {key(1, 0x11)}, 1));
  Router& b = add("192.0.2.2/24", authenticated(100, {key(1, 0x11)}, 1));
  start_all();
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  ASSERT_FALSE(a.socket->sent().empty());
  const auto& payload = a.socket->sent().back().payload;
  ASSERT_EQ(payload.size(), 12 + vrrp::kAuthTrailerSize);
  EXPECT_EQ(payload[12], vrrp::kAuthExtHmacSha256);
  EXPECT_EQ(payload[13], 1);  // key id
  EXPECT_GT(b.instance->counters().adverts_received, 5u);
  EXPECT_EQ(b.instance->counters().adverts_received, a.instance->counters().adverts_sent);
}

TEST_F(InstanceHmac, AReplayedAdvertIsCountedAndIgnored) {
  Router& a = add("192.0.2.1/24", authenticated(200, {key(1, 0x11)}, 1));
  Router& b = add("192.0.2.2/24", authenticated(100, {key(1, 0x11)}, 1));
  start_all();
  const auto old = a.socket->sent().front();
  const uint64_t heard = b.instance->counters().adverts_received;
  b.socket->deliver(old.payload, {old.source, old.destination, 255, 0});
  EXPECT_EQ(drops(b, DropReason::kAuthReplay), 1u);
  EXPECT_EQ(b.instance->counters().adverts_received, heard);
}

TEST_F(InstanceHmac, APeerWithAnotherSecretIsNotHeard) {
  Router& a = add("192.0.2.1/24", authenticated(200, {key(1, 0x11)}, 1));
  Router& b = add("192.0.2.2/24", authenticated(100, {key(1, 0x22)}, 1));
  start_all();
  // Neither hears the other: both MASTER, every advert counted as a bad HMAC.
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kMaster);
  EXPECT_GT(drops(b, DropReason::kAuthBadHmac), 0u);
  EXPECT_EQ(b.instance->counters().adverts_received, 0u);
}

TEST_F(InstanceHmac, AnUnauthenticatedPeerIsNotHeardAndHearsNothing) {
  Router& a = add("192.0.2.1/24", authenticated(200, {key(1, 0x11)}, 1));
  Router& b = add("192.0.2.2/24", instance_config("web", 100));
  start_all();
  EXPECT_GT(drops(a, DropReason::kAuthMissing), 0u);
  // The trailer makes the advert longer than its address count says: fail closed.
  EXPECT_GT(drops(b, DropReason::kPacketLength), 0u);
}

TEST_F(InstanceHmac, KeysRollThroughUpdateWithoutATransition) {
  Router& a = add("192.0.2.1/24", authenticated(200, {key(1, 0x11)}, 1));
  Router& b = add("192.0.2.2/24", authenticated(100, {key(1, 0x11)}, 1));
  start_all();
  const size_t before_a = a.transitions.size(), before_b = b.transitions.size();
  auto roll = [&](std::vector<config::AuthKeyConfig> keys, int send_key) {
    a.instance->update(authenticated(200, keys, send_key));
    b.instance->update(authenticated(100, keys, send_key));
    clock_.advance(milliseconds(500));
  };
  roll({key(1, 0x11), key(2, 0x22)}, 1);
  roll({key(1, 0x11), key(2, 0x22)}, 2);
  EXPECT_EQ(a.socket->sent().back().payload[13], 2);
  roll({key(2, 0x22)}, 2);
  for (DropReason r : {DropReason::kAuthUnknownKey, DropReason::kAuthBadHmac,
                       DropReason::kAuthReplay, DropReason::kAuthMissing})
    EXPECT_EQ(drops(b, r), 0u) << vrrp::drop_reason_name(r);
  EXPECT_EQ(a.transitions.size(), before_a);
  EXPECT_EQ(b.transitions.size(), before_b);
  EXPECT_EQ(a.state(), State::kMaster);
}

}  // namespace
}  // namespace hadirector::testing
