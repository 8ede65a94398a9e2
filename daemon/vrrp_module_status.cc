// VrrpModule's status JSON (`hadirectorctl status --json`, DESIGN.md) and the event time stamp.
#include <net/if.h>

#include <ctime>

#include "daemon/vrrp_module.h"
#include "vrrp/io/address_convert.h"

namespace hadirector::daemon {
namespace {

nlohmann::json counters_json(const vrrp::InstanceCounters& c) {
  nlohmann::json j = {{"adverts_sent", c.adverts_sent},
                      {"adverts_received", c.adverts_received},
                      {"send_errors", c.send_errors},
                      {"became_master", c.became_master},
                      {"address_list_mismatches", c.address_list_mismatches},
                      {"vip_errors", c.vip_errors},
                      {"late_timers", c.late_timers},
                      {"priority_zero_received", c.priority_zero_received},
                      {"priority_zero_sent", c.priority_zero_sent},
                      {"transitions", nlohmann::json::object()}};
  for (const auto& [reason, count] : c.transitions) j["transitions"][*reason] = count;
  if (c.last_transition) {
    j["last_transition"] = {{"from", vrrp::state_name(c.last_transition->from)},
                            {"to", vrrp::state_name(c.last_transition->to)},
                            {"reason", *c.last_transition->reason}};
  }
  return j;
}

// Which keys an authenticated instance holds and signs with: ids only, never a secret.
nlohmann::json authentication_json(const vrrp::InstanceSettings& cfg) {
  if (!cfg.authentication()) return nullptr;
  const config::Authentication& a = *cfg.authentication();
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& key : a.keys) ids.push_back(key.id);
  return {{"type", "hmac-sha256"},
          {"key_ids", ids},
          {"send_key", a.send_key},
          {"mode", a.permissive ? "permissive" : "enforce"},
          {"replay", a.replay_monotonic ? "monotonic" : "time"}};
}

nlohmann::json instance_json(const vrrp::VrrpInstance& i) {
  const auto& cfg = i.config();
  nlohmann::json vips = nlohmann::json::array();
  for (const auto& v : cfg.virtual_addresses) vips.push_back(v.to_string());
  nlohmann::json drops = nlohmann::json::object();
  for (int r = 0; r < vrrp::kDropReasonCount; ++r)
    drops[vrrp::drop_reason_name(static_cast<vrrp::DropReason>(r))] = i.counters().drops[r];
  auto master = i.master_address();
  return {{"name", cfg.name},
          {"state", vrrp::state_name(i.state())},
          {"priority", cfg.priority},
          {"effective_priority", i.effective_priority()},
          {"vrid", cfg.vrid},
          {"interface", cfg.interface},
          {"version", cfg.version},
          {"master_address", master ? nlohmann::json(vrrp::address_text(*master)) : nullptr},
          {"advert_interval_ms", cfg.advert_interval.count()},
          {"vips", vips},
          {"counters", counters_json(i.counters())},
          {"drops", drops},
          {"authentication", authentication_json(cfg)}};
}

// Counters below the instances: a datagram too broken to name an instance, or lost to a full
// receive queue (a flood), is counted here.
nlohmann::json sockets_json(const vrrp::VrrpSocketRegistry* registry) {
  nlohmann::json out = nlohmann::json::array();
  if (registry == nullptr) return out;
  registry->for_each_open([&out](const vrrp::VrrpSocket& socket) {
    char name[IF_NAMESIZE] = {};
    const bool named = ::if_indextoname(static_cast<unsigned>(socket.ifindex()), name) != nullptr;
    const vrrp::VrrpSocketStats s = socket.stats();
    out.push_back({{"interface", named ? nlohmann::json(name) : nlohmann::json(socket.ifindex())},
                   {"family", socket.family() == vrrp::Family::kIpv4 ? "ipv4" : "ipv6"},
                   {"received", s.received},
                   {"malformed", s.malformed},
                   {"overruns", s.overruns},
                   {"send_errors", s.send_errors}});
  });
  return out;
}

}  // namespace

std::string iso_time_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return text;
}

nlohmann::json VrrpModule::status() const {
  nlohmann::json instances = nlohmann::json::array();
  for (const auto& name : order_) {
    if (const vrrp::VrrpInstance* i = instance(name)) {
      instances.push_back(instance_json(*i));
      instances.back()["demoted"] = demoted(name);
    }
  }
  return {{"vrrp",
           {{"instances", instances}, {"realtime", realtime_}, {"sockets", sockets_json(sockets_.get())}}}};
}

}  // namespace hadirector::daemon
