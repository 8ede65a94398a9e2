// VrrpInstance's authenticated adverts (vrrp/auth_hmac.h): the configured keys as receive
// parameters, one signed sequence per advert, and the replay marks of accepted ones. The wall
// clock is read here, in the shell: the codec takes it as an argument.
#include <time.h>

#include <algorithm>

#include "vrrp/instance.h"

namespace hadirector::vrrp {
namespace {

struct timespec wall_clock() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return ts;
}

}  // namespace

int64_t VrrpInstance::wall_seconds() { return wall_clock().tv_sec; }

void VrrpInstance::apply_auth(ReceiveParams& p) const {
  if (!config_.authentication()) return;
  const config::Authentication& a = *config_.authentication();
  for (const auto& key : a.keys)
    p.auth.keys.push_back(AuthKey{static_cast<uint8_t>(key.id), key.secret});
  p.auth.send_key = static_cast<uint8_t>(a.send_key);
  p.auth.mode = a.permissive ? AuthMode::kPermissive : AuthMode::kEnforce;
  p.auth.replay = a.replay_monotonic ? ReplayMode::kMonotonic : ReplayMode::kTime;
  // The draft's default: three adverts' worth, at least 5 s, in whole seconds.
  const auto three = std::chrono::ceil<std::chrono::seconds>(3 * config_.advert_interval);
  p.auth.window = a.window ? std::chrono::duration_cast<std::chrono::seconds>(*a.window)
                           : std::max(three, std::chrono::seconds(5));
  // Peers behind a router arrive with a lower TTL: the HMAC, not the TTL, proves their origin.
  if (p.unicast) p.unicast_require_ttl_255 = false;
}

std::optional<uint64_t> VrrpInstance::next_auth_sequence() {
  if (!receive_.auth.enabled()) return std::nullopt;
  const struct timespec now = wall_clock();
  return auth_sequencer_.next(clock_sequence(now.tv_sec, static_cast<uint32_t>(now.tv_nsec)),
                              receive_.auth.replay, receive_.auth.window);
}

void VrrpInstance::sign_advert(std::vector<uint8_t>& bytes, uint64_t sequence,
                               const IpAddress& to) const {
  const AuthKey* key = receive_.auth.find(receive_.auth.send_key);
  // The configuration guarantees the send key is listed; without it nothing could verify.
  HD_CHECK(key != nullptr);
  append_auth_trailer(bytes, *key, sequence, *source_, to);
}

bool VrrpInstance::auth_fresh(const Accepted& accepted, const IpAddress& from,
                              int64_t now_seconds) {
  if (!accepted.auth_sequence) return true;
  return replay_marks_.accept(from, *accepted.auth_sequence, receive_.auth.replay,
                              receive_.auth.window, now_seconds);
}

}  // namespace hadirector::vrrp
