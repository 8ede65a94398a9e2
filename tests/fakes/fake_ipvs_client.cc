#include "tests/fakes/fake_ipvs_client.h"

#include <algorithm>
#include <array>
#include <cerrno>

namespace hadirector::testing {
namespace {

using ipvs::Destination;
using ipvs::Service;

// The schedulers of Linux 6.1 (Debian 12) plus twos (Linux 6.3).
constexpr std::array<std::string_view, 14> kSchedulers = {
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf", "twos"};

bool known_scheduler(const std::string& name) {
  return std::find(kSchedulers.begin(), kSchedulers.end(), name) != kSchedulers.end();
}

// The kernel's defaults (net/netfilter/ipvs: ip_vs_proto_tcp.c, ip_vs_proto_udp.c).
constexpr ipvs::Timeouts kDefaultTimeouts{std::chrono::seconds(900), std::chrono::seconds(120),
                                          std::chrono::seconds(300)};

// What the kernel reports for a started daemon whose optional fields were left at zero:
// ip_vs_sync.c's default group 224.0.0.81, port 8848, TTL 1, and the payload that fits a
// 1500-byte MTU.
ipvs::SyncDaemon with_kernel_defaults(ipvs::SyncDaemon d) {
  if (!d.group) d.group = ipvs::IpAddress{ipvs::Family::kInet, {224, 0, 0, 81}};
  if (d.port == 0) d.port = 8848;
  if (d.ttl == 0) d.ttl = 1;
  if (d.max_length == 0) d.max_length = d.group->family == ipvs::Family::kInet ? 1472 : 1452;
  return d;
}

core::Status system_error(int err, const std::string& what) { return core::fail_errno(err, what); }

}  // namespace

FakeIpvsClient::FakeIpvsClient() : timeouts_(kDefaultTimeouts) {}

core::Status FakeIpvsClient::record(std::string_view operation, const std::string& object,
                                    const std::string& what) {
  log_.push_back(std::string(operation) + (object.empty() ? "" : " " + object));
  auto it = injected_.find(operation);
  if (it == injected_.end()) return {};
  const int err = it->second;
  injected_.erase(it);
  return system_error(err, what);
}

void FakeIpvsClient::fail_next(std::string_view operation, int err) {
  injected_[std::string(operation)] = err;
}

FakeIpvsClient::Entry* FakeIpvsClient::find(const Service& key) {
  for (auto& e : services_) {
    if (e.info.service.same_key(key)) return &e;
  }
  return nullptr;
}

ipvs::DestinationInfo* FakeIpvsClient::find_dest(Entry& e, const Destination& d) {
  for (auto& di : e.dests) {
    if (di.destination.same_key(d)) return &di;
  }
  return nullptr;
}

core::Result<ipvs::Info> FakeIpvsClient::get_info() {
  if (auto ok = record("get_info", "", "get IPVS info"); !ok) return std::unexpected(ok.error());
  return ipvs::Info{0x010201, 4096};
}

core::Result<std::vector<ipvs::ServiceInfo>> FakeIpvsClient::list_services() {
  if (auto ok = record("list_services", "", "list services"); !ok) {
    return std::unexpected(ok.error());
  }
  std::vector<ipvs::ServiceInfo> out;
  for (const auto& e : services_) out.push_back(e.info);
  return out;
}

core::Result<ipvs::ServiceInfo> FakeIpvsClient::get_service(const Service& key) {
  const std::string what = "get service " + key.name();
  if (auto ok = record("get_service", key.name(), what); !ok) return std::unexpected(ok.error());
  Entry* e = find(key);
  if (e == nullptr) return core::fail_errno(ESRCH, what);
  return e->info;
}

core::Status FakeIpvsClient::add_service(const Service& s) {
  const std::string what = "add service " + s.name();
  if (auto ok = record("add_service", s.name(), what); !ok) return ok;
  if (find(s) != nullptr) return system_error(EEXIST, what);
  if (!known_scheduler(s.scheduler)) return system_error(ENOENT, what);
  services_.push_back(Entry{{s, {}}, {}});
  return {};
}

core::Status FakeIpvsClient::edit_service(const Service& s) {
  const std::string what = "edit service " + s.name();
  if (auto ok = record("edit_service", s.name(), what); !ok) return ok;
  Entry* e = find(s);
  if (e == nullptr) return system_error(ESRCH, what);
  if (!known_scheduler(s.scheduler)) return system_error(ENOENT, what);
  e->info.service = s;
  return {};
}

core::Status FakeIpvsClient::delete_service(const Service& key) {
  const std::string what = "delete service " + key.name();
  if (auto ok = record("delete_service", key.name(), what); !ok) return ok;
  auto it = std::find_if(services_.begin(), services_.end(),
                         [&](const Entry& e) { return e.info.service.same_key(key); });
  if (it == services_.end()) return system_error(ESRCH, what);
  services_.erase(it);
  return {};
}

core::Status FakeIpvsClient::flush() {
  if (auto ok = record("flush", "", "flush IPVS table"); !ok) return ok;
  services_.clear();
  return {};
}

core::Result<std::vector<ipvs::DestinationInfo>> FakeIpvsClient::list_destinations(
    const Service& key) {
  const std::string what = "list destinations of " + key.name();
  if (auto ok = record("list_destinations", key.name(), what); !ok) {
    return std::unexpected(ok.error());
  }
  // The kernel ends the dump quietly when the service does not exist.
  Entry* e = find(key);
  if (e == nullptr) return std::vector<ipvs::DestinationInfo>{};
  return e->dests;
}

core::Status FakeIpvsClient::add_destination(const Service& key, const Destination& d) {
  const std::string what = "add destination " + d.name() + " to " + key.name();
  if (auto ok = record("add_destination", key.name() + " " + d.name(), what); !ok) return ok;
  Entry* e = find(key);
  if (e == nullptr) return system_error(ESRCH, what);
  // Only tunnels may cross address families (ip_vs_ctl.c, ip_vs_genl_parse_dest).
  if (d.address.family != key.family() && d.forwarding != ipvs::Forwarding::kTunnel) {
    return system_error(EINVAL, what);
  }
  if (d.weight < 0) return system_error(EINVAL, what);
  if (d.upper_threshold != 0 && d.lower_threshold > d.upper_threshold) {
    return system_error(ERANGE, what);
  }
  if (find_dest(*e, d) != nullptr) return system_error(EEXIST, what);
  e->dests.push_back(ipvs::DestinationInfo{d, 0, 0, 0, {}});
  return {};
}

core::Status FakeIpvsClient::edit_destination(const Service& key, const Destination& d) {
  const std::string what = "edit destination " + d.name() + " of " + key.name();
  if (auto ok = record("edit_destination", key.name() + " " + d.name(), what); !ok) return ok;
  Entry* e = find(key);
  if (e == nullptr) return system_error(ESRCH, what);
  if (d.weight < 0) return system_error(EINVAL, what);
  if (d.upper_threshold != 0 && d.lower_threshold > d.upper_threshold) {
    return system_error(ERANGE, what);
  }
  ipvs::DestinationInfo* di = find_dest(*e, d);
  if (di == nullptr) return system_error(ENOENT, what);
  di->destination = d;
  return {};
}

core::Status FakeIpvsClient::delete_destination(const Service& key, const Destination& d) {
  const std::string what = "delete destination " + d.name() + " from " + key.name();
  if (auto ok = record("delete_destination", key.name() + " " + d.name(), what); !ok) return ok;
  Entry* e = find(key);
  if (e == nullptr) return system_error(ESRCH, what);
  auto it = std::find_if(e->dests.begin(), e->dests.end(),
                         [&](const ipvs::DestinationInfo& x) { return x.destination.same_key(d); });
  if (it == e->dests.end()) return system_error(ENOENT, what);
  e->dests.erase(it);
  return {};
}

core::Result<ipvs::Timeouts> FakeIpvsClient::get_timeouts() {
  if (auto ok = record("get_timeouts", "", "get timeouts"); !ok) return std::unexpected(ok.error());
  return timeouts_;
}

core::Status FakeIpvsClient::set_timeouts(const ipvs::Timeouts& t) {
  if (auto ok = record("set_timeouts", "", "set timeouts"); !ok) return ok;
  // Zero keeps the current value, as in the kernel.
  if (t.tcp.count() != 0) timeouts_.tcp = t.tcp;
  if (t.tcp_fin.count() != 0) timeouts_.tcp_fin = t.tcp_fin;
  if (t.udp.count() != 0) timeouts_.udp = t.udp;
  return {};
}

core::Status FakeIpvsClient::start_sync_daemon(const ipvs::SyncDaemon& d) {
  const std::string what = "start sync daemon " + std::string(ipvs::sync_state_name(d.state)) +
                           " on " + d.interface + " syncid " + std::to_string(d.sync_id);
  if (auto ok = record("start_sync_daemon", std::string(ipvs::sync_state_name(d.state)), what);
      !ok) {
    return ok;
  }
  for (const auto& running : daemons_) {
    if (running.state == d.state) return system_error(EEXIST, what);
  }
  daemons_.push_back(with_kernel_defaults(d));
  return {};
}

core::Status FakeIpvsClient::stop_sync_daemon(ipvs::SyncState state) {
  const std::string name(ipvs::sync_state_name(state));
  const std::string what = "stop sync daemon " + name;
  if (auto ok = record("stop_sync_daemon", name, what); !ok) return ok;
  auto it = std::find_if(daemons_.begin(), daemons_.end(),
                         [&](const ipvs::SyncDaemon& d) { return d.state == state; });
  if (it == daemons_.end()) return system_error(ESRCH, what);
  daemons_.erase(it);
  return {};
}

core::Result<std::vector<ipvs::SyncDaemon>> FakeIpvsClient::list_sync_daemons() {
  if (auto ok = record("list_sync_daemons", "", "list sync daemons"); !ok) {
    return std::unexpected(ok.error());
  }
  return daemons_;
}

void FakeIpvsClient::set_service_stats(const Service& key, const ipvs::Stats& stats) {
  if (Entry* e = find(key)) e->info.stats = stats;
}

void FakeIpvsClient::set_destination_stats(const Service& key, const Destination& dest,
                                           const ipvs::Stats& stats) {
  if (Entry* e = find(key)) {
    if (ipvs::DestinationInfo* d = find_dest(*e, dest)) d->stats = stats;
  }
}

}  // namespace hadirector::testing
