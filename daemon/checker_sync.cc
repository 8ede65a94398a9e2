#include "daemon/checker_sync.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "daemon/core/log.h"

namespace hadirector::daemon {
namespace {

constexpr std::uint16_t kDefaultSyncPort = 8848;
constexpr const char* kDefaultSyncGroup = "224.0.0.81";

std::string iso_time(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json daemon_json(const ipvs::SyncDaemon& d) {
  return {{"state", ipvs::sync_state_name(d.state)},
          {"interface", d.interface},
          {"sync_id", d.sync_id},
          {"group", d.group ? d.group->to_string() : ""},
          {"port", d.port},
          {"ttl", d.ttl},
          {"maxlen", d.max_length}};
}

}  // namespace

CheckerSync::CheckerSync(core::Scheduler& scheduler, std::string sysctl_dir, FdWatcher watch,
                         core::Duration recheck)
    : scheduler_(scheduler),
      recheck_(recheck),
      sysctl_dir_(std::move(sysctl_dir)),
      watch_(std::move(watch)) {}

void CheckerSync::schedule_recheck() {
  recheck_timer_ = scheduler_.schedule_after(recheck_, [this] {
    schedule_recheck();
    if (config_) apply("recheck");
  });
}

void CheckerSync::configure(const std::optional<config::SyncConfig>& config) {
  const bool sysctls_changed = !config_ || !config || config_->sysctls != config->sysctls;
  const bool monitor_changed = !config_ || !config || config_->interface != config->interface ||
                               config_->mcast_group != config->mcast_group ||
                               config_->port != config->port;
  config_ = config;
  if (monitor_changed) open_monitor();
  if (!client_) return;
  if (sysctls_changed) write_sysctls();
  apply("reload");
}

void CheckerSync::on_vrrp_states(const nlohmann::json& states) {
  if (!config_ || config_->mode != config::SyncMode::kFollowInstance || !states.is_object()) return;
  auto it = states.find(config_->follow_instance);
  if (it == states.end() || !it->is_string()) return;
  instance_state_ = it->get<std::string>();
  if (client_) apply("instance " + config_->follow_instance + " " + instance_state_);
}

void CheckerSync::attach(ipvs::IpvsClient& client) {
  client_ = &client;
  schedule_recheck();
  if (!config_) return;
  write_sysctls();
  apply("IPVS available");
}

void CheckerSync::warn_once(const std::string& message) {
  if (warned_.insert(message).second)
    core::log_warning(message, {{"HADIRECTOR_EVENT", "sync-error"}});
}

void CheckerSync::apply(const std::string& cause) {
  const config::SyncConfig* cfg = config_ ? &*config_ : nullptr;
  const ipvs::SyncRole role = ipvs::sync_role_for(cfg, instance_state_);
  auto running = client_->list_sync_daemons();
  if (!running) {
    warn_once("sync daemon: " + running.error().message());
    return;
  }
  // Without a sync section the daemon leaves whatever someone else runs alone.
  if (!cfg && applied_role_ == ipvs::SyncRole::kNone) {
    daemons_ = *running;
    return;
  }
  bool ok = true;
  for (const auto& op : ipvs::plan_sync(*running, ipvs::desired_sync_daemons(cfg, role))) {
    core::Status done = op.kind == ipvs::SyncOp::Kind::kStop
                            ? client_->stop_sync_daemon(op.daemon.state)
                            : client_->start_sync_daemon(op.daemon);
    if (!done) {
      ok = false;
      warn_once("sync daemon: " + done.error().message());
    } else if (cause == "recheck") {
      core::log_warning("ipvs: " + op.describe() + " - repairing a change made outside hadirectord",
                        {{"HADIRECTOR_EVENT", "ipvs-drift"}});
    } else {
      core::log_info("ipvs: " + op.describe(), {{"HADIRECTOR_EVENT", "ipvs-op"}});
    }
  }
  if (role != applied_role_) {
    const std::string why = cfg && cfg->mode == config::SyncMode::kBoth ? "mode both" : cause;
    core::log_notice("sync daemon: " + std::string(ipvs::sync_role_name(applied_role_)) + " -> " +
                         std::string(ipvs::sync_role_name(role)) + " (" + why + ")",
                     {{"HADIRECTOR_EVENT", "sync-role"}});
  }
  if (ok) {
    applied_role_ = role;
    warned_.clear();
  }
  if (auto listed = client_->list_sync_daemons()) daemons_ = std::move(*listed);
}

void CheckerSync::write_sysctls() {
  if (!config_) return;
  for (const auto& [name, values] : config_->sysctls) {
    std::string text;
    for (auto v : values) text += (text.empty() ? "" : " ") + std::to_string(v);
    const std::string path = sysctl_dir_ + "/" + name;
    std::ofstream out(path);
    out << text << "\n";
    out.flush();
    if (!out) {
      warn_once("sync: cannot set " + path + " to '" + text + "'");
      continue;
    }
    core::log_info("sync: " + name + " = " + text);
  }
}

nlohmann::json CheckerSync::status() const {
  nlohmann::json daemons = nlohmann::json::array();
  for (const auto& d : daemons_) daemons.push_back(daemon_json(d));
  nlohmann::json peers = nlohmann::json::object();
  for (const auto& [peer, s] : stats_.peers()) {
    peers[peer] = {{"messages", s.messages},
                   {"connections", s.connections},
                   {"errors", s.errors},
                   {"sync_id", s.sync_id},
                   {"last_seen", iso_time(s.last_seen)}};
  }
  nlohmann::json monitor = {
      {"listening", monitor_fd_.valid()}, {"peers", peers}, {"errors", stats_.errors()}};
  if (!monitor_error_.empty()) monitor["error"] = monitor_error_;
  nlohmann::json out = {
      {"role", ipvs::sync_role_name(applied_role_)}, {"daemons", daemons}, {"monitor", monitor}};
  if (config_) {
    out["interface"] = config_->interface;
    out["sync_id"] = config_->sync_id;
    if (config_->mode == config::SyncMode::kFollowInstance) {
      out["following"] = config_->follow_instance;
      out["instance_state"] = instance_state_.empty() ? "UNKNOWN" : instance_state_;
    }
  }
  return out;
}

void CheckerSync::open_monitor() {
  monitor_watch_.cancel();
  monitor_fd_.reset();
  monitor_error_.clear();
  if (!config_ || !watch_) return;
  auto fail = [this](const std::string& what) {
    monitor_error_ = what + ": " + std::strerror(errno);
    monitor_fd_.reset();
    warn_once("sync monitor: " + monitor_error_);
  };
  const std::uint16_t port = config_->port.value_or(kDefaultSyncPort);
  in_addr group{};
  if (config_->mcast_group && config_->mcast_group->is_v4()) {
    std::memcpy(&group, config_->mcast_group->bytes.data(), 4);
  } else if (config_->mcast_group) {
    monitor_error_ = "IPv6 sync groups are not monitored yet";
    return;
  } else {
    inet_pton(AF_INET, kDefaultSyncGroup, &group);
  }
  monitor_fd_ = core::UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!monitor_fd_) return fail("socket");
  int one = 1;
  ::setsockopt(monitor_fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr = group;
  if (::bind(monitor_fd_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0)
    return fail("bind " + config_->interface);
  ip_mreqn mreq{};
  mreq.imr_multiaddr = group;
  mreq.imr_ifindex = static_cast<int>(if_nametoindex(config_->interface.c_str()));
  if (::setsockopt(monitor_fd_.get(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) != 0)
    return fail("join the sync group on " + config_->interface);
  auto watched = watch_(monitor_fd_.get(), [this] { read_monitor(); });
  if (!watched) {
    monitor_error_ = watched.error().message();
    monitor_fd_.reset();
    return;
  }
  monitor_watch_ = std::move(*watched);
}

void CheckerSync::read_monitor() {
  std::array<std::uint8_t, 65536> buf;
  for (int i = 0; i < 64; ++i) {
    sockaddr_in from{};
    socklen_t len = sizeof(from);
    const ssize_t n = ::recvfrom(monitor_fd_.get(), buf.data(), buf.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return;
    char peer[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &from.sin_addr, peer, sizeof(peer));
    stats_.record(peer, std::span(buf.data(), static_cast<std::size_t>(n)),
                  std::chrono::system_clock::now());
  }
}

}  // namespace hadirector::daemon
