#include "daemon/checker_engine.h"

#include <algorithm>
#include <ctime>
#include <unordered_map>
#include <unordered_set>

#include "daemon/checker_runtime.h"
#include "daemon/core/log.h"
#include "ipvs/config_mapping.h"

namespace hadirector::daemon {

namespace {

std::string iso_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(ms.count()));
  return out;
}

std::string ms_since(std::chrono::steady_clock::time_point start) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count()) +
         " ms";
}

uint16_t real_port(const config::VirtualServer& vs, const config::RealServer& rs) {
  if (rs.address.port != 0) return rs.address.port;
  return vs.address ? vs.address->port : 0;
}

}  // namespace

// Down only because no check has answered yet: what the kernel holds for it stays as it is.
bool CheckerEngine::undecided(const RealServerRuntime& rs) {
  if (rs.healthy) return false;
  return std::any_of(rs.checks.begin(), rs.checks.end(),
                     [](const auto& c) { return c->last_reason.empty(); });
}

CheckerEngine::CheckerEngine(CheckerEngineDeps deps)
    : deps_(std::move(deps)),
      pool_(deps_.scheduler),
      sync_(deps_.scheduler, deps_.sync_sysctl_dir, deps_.watch_fd, deps_.ipvs_timing.drift_check),
      ipvs_(deps_.scheduler, deps_.open_ipvs, deps_.ipvs_timing) {
  ipvs_.set_on_available([this](ipvs::IpvsClient& client) { sync_.attach(client); });
}

CheckerEngine::~CheckerEngine() = default;

core::Status CheckerEngine::subscribe_checks(VirtualServerRuntime& vs, RealServerRuntime& rs) {
  const uint16_t port = real_port(vs.config, rs.config);
  for (const auto& spec : rs.config.checks) {
    auto target = checkers::target_from(rs.config.address.addr.to_string(), port, spec);
    auto checker = deps_.make_checker(spec, target);
    if (!checker) return std::unexpected(checker.error());
    auto record = std::make_unique<CheckRecord>();
    record->type = spec.type;
    CheckRecord* rec = record.get();
    record->sub = pool_.subscribe(std::move(*checker), checkers::timing_from(spec),
                                  [this, v = &vs, r = &rs, rec](const checkers::CheckEvent& e) {
                                    on_check(*v, *r, *rec, e);
                                  });
    record->state = record->sub.state;
    rs.checks.push_back(std::move(record));
  }
  return {};
}

core::Result<std::unique_ptr<CheckerEngine::VirtualServerRuntime>> CheckerEngine::build_one(
    const config::VirtualServer& vs_config, const VirtualServerRuntime* old_vs) {
  auto vs = std::make_unique<VirtualServerRuntime>();
  vs->config = vs_config;
  if (old_vs) {
    vs->quorum_ok = old_vs->quorum_ok;
    vs->evaluated = old_vs->evaluated;
  }
  for (const auto& rs_config : vs_config.real_servers) {
    auto rs = std::make_unique<RealServerRuntime>();
    rs->config = rs_config;
    rs->name = rs_config.address.to_string();
    if (auto subscribed = subscribe_checks(*vs, *rs); !subscribed)
      return std::unexpected(subscribed.error());
    rs->healthy = std::all_of(rs->checks.begin(), rs->checks.end(),
                              [](const auto& c) { return c->state == checkers::Health::kUp; });
    const RealServerRuntime* old_rs = nullptr;
    if (old_vs) {
      for (const auto& r : old_vs->reals)
        if (r->name == rs->name) old_rs = r.get();
    }
    if (old_rs) {
      // Same check (same pool key): keep what it last said; the runner kept its state.
      for (auto& check : rs->checks) {
        for (const auto& old : old_rs->checks) {
          if (old->sub.key != check->sub.key) continue;
          check->last_reason = old->last_reason;
          check->last_detail = old->last_detail;
          check->last_latency_ms = old->last_latency_ms;
          check->agent = old->agent;
        }
      }
      rs->state = old_rs->state;
      rs->changed_at = old_rs->healthy == rs->healthy ? old_rs->changed_at : deps_.scheduler.now();
    }
    vs->reals.push_back(std::move(rs));
  }
  return vs;
}

core::Result<CheckerEngine::Built> CheckerEngine::build(const config::Config& config,
                                                        Runtimes* previous) {
  Built out;
  // By name, so a reload of thousands of virtual servers stays linear.
  std::unordered_map<std::string, size_t> old_by_name;
  if (previous)
    for (size_t i = 0; i < previous->size(); ++i) old_by_name[(*previous)[i]->config.name] = i;
  std::vector<std::pair<size_t, size_t>> carried;  // (new index, previous index)
  for (const auto& vs_config : config.virtual_servers) {
    auto found = old_by_name.find(vs_config.name);
    const VirtualServerRuntime* old_vs =
        found == old_by_name.end() ? nullptr : (*previous)[found->second].get();
    if (old_vs && old_vs->config == vs_config) {
      // Moved only once everything else is built: a failure below leaves `previous` whole.
      carried.emplace_back(out.servers.size(), found->second);
      out.servers.emplace_back();
      old_by_name.erase(found);  // a duplicate name (never valid) would be built, not moved
      continue;
    }
    auto vs = build_one(vs_config, old_vs);
    if (!vs) return std::unexpected(vs.error());
    out.rebuilt.push_back(vs->get());
    out.servers.push_back(std::move(*vs));
  }
  for (auto [to, from] : carried) {
    out.servers[to] = std::move((*previous)[from]);
    out.kept.push_back(out.servers[to].get());
  }
  return out;
}

core::Status CheckerEngine::configure(const config::Config& config) {
  drains_ = DrainStore(config.global.state_dir + "/drains.json");
  const auto t0 = std::chrono::steady_clock::now();
  auto built = build(config, nullptr);
  if (!built) return std::unexpected(built.error());
  servers_ = std::move(built->servers);
  changed_.clear();
  changed_timer_.cancel();
  batch_ = true;
  for (auto& vs : servers_) evaluate(*vs, "");
  batch_ = false;
  push_table();
  core::log_debug("configure: " + std::to_string(servers_.size()) +
                  " virtual servers built, evaluated and pushed in " + ms_since(t0));
  sync_.configure(config.sync);
  if (!ipvs_started_) {
    ipvs_started_ = true;
    ipvs_.start();
  }
  relay_health();
  return {};
}

core::Status CheckerEngine::reconfigure(const config::Config& config) {
  const std::string drains_path = config.global.state_dir + "/drains.json";
  const bool drains_moved = drains_path != drains_.path();
  if (drains_moved) drains_ = DrainStore(drains_path);
  auto t0 = std::chrono::steady_clock::now();
  auto built = build(config, &servers_);
  if (!built) return std::unexpected(built.error());
  // Pending verdicts of kept virtual servers still count; the others' runtimes go away.
  std::unordered_set<const VirtualServerRuntime*> kept(built->kept.begin(), built->kept.end());
  std::erase_if(changed_, [&](const auto& entry) { return !kept.contains(entry.first); });
  if (changed_.empty()) changed_timer_.cancel();
  // The old runtimes go after the new ones subscribed, so shared checks never stop.
  Runtimes old = std::exchange(servers_, std::move(built->servers));
  old.clear();
  core::log_debug("reload: " + std::to_string(built->rebuilt.size()) + " virtual servers built, " +
                  std::to_string(kept.size()) + " kept, in " + ms_since(t0));
  batch_ = true;
  if (drains_moved) {
    for (auto& vs : servers_) evaluate(*vs, "reload");
  } else {
    for (VirtualServerRuntime* vs : built->rebuilt) evaluate(*vs, "reload");
  }
  batch_ = false;
  t0 = std::chrono::steady_clock::now();
  push_table();
  core::log_debug("reload: table pushed in " + ms_since(t0));
  sync_.configure(config.sync);
  relay_health();
  return {};
}

void CheckerEngine::on_check(VirtualServerRuntime& vs, RealServerRuntime& rs, CheckRecord& check,
                             const checkers::CheckEvent& event) {
  // Most results repeat the last one. Skipping those keeps a probe O(1): evaluate() walks the
  // virtual server and push_table() the whole table, which at 10,000 checks a second was
  // O(n^2) and missed the schedule. The detail and latency are kept for status either way.
  const bool same = check.state == event.state && check.last_reason == event.result.reason &&
                    check.agent == event.result.agent && !check.last_reason.empty();
  check.state = event.state;
  check.last_reason = event.result.reason;
  check.last_detail = event.result.detail;
  check.last_latency_ms = std::chrono::duration<double, std::milli>(event.result.latency).count();
  vs.check_stats.record(check.type, event.result.reason, event.result.latency);
  check.agent = event.result.agent;
  const bool healthy = std::all_of(rs.checks.begin(), rs.checks.end(),
                                   [](const auto& c) { return c->state == checkers::Health::kUp; });
  if (healthy != rs.healthy) {
    rs.healthy = healthy;
    rs.changed_at = deps_.scheduler.now();
  }
  if (!same) mark_changed(vs, check.type);
}

void CheckerEngine::mark_changed(VirtualServerRuntime& vs, const std::string& cause_check) {
  auto it = std::find_if(changed_.begin(), changed_.end(),
                         [&](const auto& entry) { return entry.first == &vs; });
  if (it == changed_.end())
    changed_.emplace_back(&vs, cause_check);
  else
    it->second = cause_check;
  if (changed_timer_) return;
  changed_timer_ = deps_.scheduler.schedule_after(kEvaluateBatch, [this] {
    core::Handle self = std::move(changed_timer_);  // released after the work, not during it
    evaluate_changed();
  });
}

void CheckerEngine::evaluate_changed() {
  auto changed = std::exchange(changed_, {});
  evaluating_changed_ = true;
  for (auto& [vs, cause] : changed) evaluate(*vs, cause);
  evaluating_changed_ = false;
  if (!changed.empty()) push_table();
}

RealServerInput CheckerEngine::input_of(const VirtualServerRuntime& vs,
                                        const RealServerRuntime& rs) const {
  RealServerInput in;
  in.has_checks = !rs.checks.empty();
  in.healthy = rs.healthy;
  for (const auto& c : rs.checks) {
    if (c->state != checkers::Health::kUp && in.down_reason.empty())
      in.down_reason = c->last_reason.empty() ? "awaiting-first-check" : c->last_reason;
    if (c->agent) in.agent = c->agent;
  }
  in.drained = drains_.drained(vs.config.name, rs.name);
  if (rs.changed_at) in.since_change = deps_.scheduler.now() - *rs.changed_at;
  return in;
}

void CheckerEngine::evaluate(VirtualServerRuntime& vs, const std::string& cause_check) {
  vs.desired_valid = false;
  std::vector<RealServerInput> inputs;
  for (const auto& rs : vs.reals) inputs.push_back(input_of(vs, *rs));
  VirtualServerVerdict verdict = decide(vs.config, inputs, vs.quorum_ok);
  for (size_t i = 0; i < vs.reals.size(); ++i) {
    RealServerRuntime& rs = *vs.reals[i];
    rs.verdict = verdict.real_servers[i];
    const std::string state = to_string(rs.verdict.state);
    if (rs.state.empty()) rs.state = state;  // first verdict: nothing changed yet
    if (rs.state == state) continue;
    const std::string from = std::exchange(rs.state, state);
    report_change(vs, rs, from, cause_check);
  }
  for (const auto& note : verdict.notes) {
    if (std::find(vs.notes.begin(), vs.notes.end(), note) == vs.notes.end())
      core::log_warning("virtual server " + vs.config.name + ": " + note,
                        {{"HADIRECTOR_VS", vs.config.name}, {"HADIRECTOR_EVENT", "max-ejected"}});
  }
  vs.notes = verdict.notes;
  vs.sorry_weight = verdict.sorry_weight;
  if (!vs.evaluated) {
    vs.evaluated = true;
    vs.quorum_ok = verdict.quorum_ok;
  } else if (verdict.quorum_ok != vs.quorum_ok) {
    vs.quorum_ok = verdict.quorum_ok;
    core::log_notice("virtual server " + vs.config.name + ": quorum " +
                         (vs.quorum_ok ? "regained" : "lost") +
                         (vs.sorry_weight ? " (sorry server in use)" : ""),
                     {{"HADIRECTOR_VS", vs.config.name},
                      {"HADIRECTOR_EVENT", vs.quorum_ok ? "quorum-up" : "quorum-down"}});
    if (!batch_) relay_health();
  }
  vs.reevaluate_timer.cancel();
  if (verdict.reevaluate_after) {
    vs.reevaluate_timer = deps_.scheduler.schedule_after(
        *verdict.reevaluate_after, [this, v = &vs] { evaluate(*v, "slow-start"); });
  }
  if (!batch_ && !evaluating_changed_) push_table();
}

void CheckerEngine::report_change(const VirtualServerRuntime& vs, const RealServerRuntime& rs,
                                  const std::string& from, const std::string& cause_check) {
  std::string detail;
  for (const auto& c : rs.checks)
    if (c->type == cause_check && detail.empty()) detail = c->last_detail;
  const std::string& reason = rs.verdict.reason;
  deps_.emit_event({{"kind", "real_server"},
                    {"virtual_server", vs.config.name},
                    {"real_server", rs.name},
                    {"check", cause_check},
                    {"from", from},
                    {"to", rs.state},
                    {"reason", reason},
                    {"detail", detail},
                    {"time", iso_now()}});
  core::log_notice("real server " + rs.name + " of " + vs.config.name + ": " + from + " -> " +
                       rs.state + " (" + reason + ")",
                   {{"HADIRECTOR_VS", vs.config.name},
                    {"HADIRECTOR_RS", rs.name},
                    {"HADIRECTOR_EVENT", "real-server-" + rs.state}});
}

std::optional<bool> CheckerEngine::wanted_in_kernel(const VirtualServerRuntime& vs) const {
  if (!vs.config.follow_instance) return true;
  auto it = vrrp_states_.find(*vs.config.follow_instance);
  if (it == vrrp_states_.end()) return std::nullopt;
  return it->second == "MASTER";
}

void CheckerEngine::add_desired(const VirtualServerRuntime& vs,
                                std::vector<ipvs::DesiredService>& out) const {
  for (const ipvs::Service& service : ipvs::services_from(vs.config)) {
    ipvs::DesiredService d{service, {}, vs.config.remove_drain_time, {}};
    for (const auto& rs : vs.reals) {
      if (rs->verdict.weight) {
        d.destinations.push_back(
            ipvs::destination_from(vs.config, service, rs->config, *rs->verdict.weight));
      } else if (undecided(*rs)) {
        d.undecided.push_back(
            ipvs::destination_from(vs.config, service, rs->config, rs->config.weight));
      }
    }
    if (vs.sorry_weight && vs.config.sorry_server)
      d.destinations.push_back(ipvs::sorry_destination_from(
          vs.config, service, *vs.config.sorry_server, *vs.sorry_weight));
    out.push_back(std::move(d));
  }
}

void CheckerEngine::push_table() {
  std::vector<ipvs::DesiredService> desired;
  std::vector<ipvs::Service> withdrawn;
  for (const auto& vs : servers_) {
    const std::optional<bool> wanted = wanted_in_kernel(*vs);
    if (wanted && vs->config.follow_instance) {
      auto [it, fresh] = follow_logged_.try_emplace(vs->config.name, *wanted);
      if (fresh || it->second != *wanted)
        core::log_notice(
            "virtual server " + vs->config.name + ": instance " + *vs->config.follow_instance +
                " is " + vrrp_states_[*vs->config.follow_instance] +
                (*wanted ? ", programming its services" : ", its services are kept out of IPVS"),
            {{"HADIRECTOR_VS", vs->config.name},
             {"HADIRECTOR_EVENT", *wanted ? "follow-master" : "follow-withdraw"}});
      it->second = *wanted;
    }
    if (!wanted) continue;  // not known yet: the kernel keeps what it has
    if (*wanted) {
      if (!vs->desired_valid) {
        vs->desired.clear();
        add_desired(*vs, vs->desired);
        vs->desired_valid = true;
      }
      desired.insert(desired.end(), vs->desired.begin(), vs->desired.end());
    } else {
      for (const ipvs::Service& s : ipvs::services_from(vs->config)) withdrawn.push_back(s);
    }
  }
  ipvs_.update(std::move(desired), std::move(withdrawn));
}

void CheckerEngine::on_vrrp_states(const nlohmann::json& states) {
  sync_.on_vrrp_states(states);
  if (!states.is_object()) return;
  bool changed = false;
  for (const auto& [name, state] : states.items()) {
    if (!state.is_string()) continue;
    std::string& slot = vrrp_states_[name];
    changed |= slot != state.get<std::string>();
    slot = state.get<std::string>();
  }
  if (changed) push_table();
}

void CheckerEngine::relay_health() {
  nlohmann::json health = nlohmann::json::object();
  for (const auto& vs : servers_) health[vs->config.name] = vs->quorum_ok;
  deps_.relay("vrrp", {{"virtual_server_health", health}});
}

}  // namespace hadirector::daemon
