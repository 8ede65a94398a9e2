// The supervisor's answers to control-socket requests: status (gathered from the workers),
// reload, operator commands forwarded to the checker worker (drain, enable) and the VRRP worker
// (demote, restore), and the event stream.
#include <unistd.h>

#include <algorithm>

#include "daemon/core/log.h"
#include "daemon/json_fields.h"
#include "daemon/supervisor.h"

namespace hadirector::daemon {
namespace {

constexpr core::Duration kStatusTimeout = std::chrono::seconds(1);
constexpr core::Duration kSlowStatusTimeout = std::chrono::seconds(5);
constexpr core::Duration kCommandTimeout = std::chrono::seconds(5);
constexpr size_t kRecentEvents = 1000;

double seconds(core::Duration d) { return std::chrono::duration<double>(d).count(); }

bool may_change(const Responder& r) {
  uid_t uid = r.peer_uid();
  return uid == 0 || uid == ::geteuid();
}

}  // namespace

void Supervisor::on_control_request(const nlohmann::json& request, const Responder& responder) {
  const auto cmd = json_string(request, "cmd");
  if (cmd == "status") {
    return gather_status([responder](const nlohmann::json& status) { responder.send(status); });
  }
  if (cmd == "ping") {
    responder.send({{"ok", true}, {"generation", active_.generation}});
    return;
  }
  if (cmd == "events") {
    responder.keep_open();
    // With "since": N, replay the kept events after sequence N first.
    if (request.contains("since") && request["since"].is_number_unsigned()) {
      uint64_t since = request["since"].get<uint64_t>();
      for (const auto& [seq, text] : recent_events_)
        if (seq > since) responder.send(nlohmann::json::parse(text, nullptr, false));
    }
    event_subscribers_.push_back(responder);
    return;
  }
  const bool changes = cmd == "reload" || cmd == "drain" || cmd == "enable" ||
                       cmd == "demote" || cmd == "restore";
  if (changes && !may_change(responder)) {
    responder.send({{"ok", false}, {"error", "permission denied: '" + cmd + "' needs root"}});
    return;
  }
  if (cmd == "reload") return reload(responder);
  if (cmd == "drain" || cmd == "enable") return forward_command("checker", request, responder);
  if (cmd == "demote" || cmd == "restore") return forward_command("vrrp", request, responder);
  responder.send({{"ok", false}, {"error", "unknown command '" + cmd + "'"}});
}

nlohmann::json Supervisor::processes_json() const {
  auto now = loop_.now();
  nlohmann::json list = nlohmann::json::array();
  list.push_back({{"name", "supervisor"},
                  {"pid", ::getpid()},
                  {"restarts", 0},
                  {"running", true},
                  {"uptime_s", seconds(now - started_at_)}});
  for (const auto& w : workers_) {
    list.push_back({{"name", w->name()},
                    {"pid", w->running() ? w->pid() : 0},
                    {"restarts", w->restarts()},
                    {"running", w->running()},
                    {"ready", w->ready()},
                    {"needed", worker_needed(active_.parsed, w->name())},
                    {"uptime_s", w->running() ? seconds(now - w->started_at()) : 0.0}});
  }
  // The checker is a standing process: listed while the configuration does not need it too,
  // saying so, so that a reader does not take its absence for a crash.
  if (std::ranges::none_of(workers_, [](const auto& w) { return w->name() == "checker"; })) {
    list.push_back({{"name", "checker"},
                    {"pid", 0},
                    {"restarts", 0},
                    {"running", false},
                    {"ready", false},
                    {"needed", false},
                    {"reason", kCheckerNotNeeded},
                    {"uptime_s", 0.0}});
  }
  return list;
}

void Supervisor::gather_status(std::function<void(const nlohmann::json&)> done) {
  uint64_t id = next_request_id_++;
  PendingStatus& pending = statuses_[id];
  pending.done = std::move(done);
  core::Duration wait = kStatusTimeout;
  for (auto& w : workers_) {
    if (!w->ready() || w->stopping()) continue;  // a retiring worker has nothing to report
    // A worker applying a large configuration answers only when done (seconds for 10,000
    // virtual servers): the status says so at once rather than waiting for it.
    if (reload_ && reload_->waiting.contains(w->name())) {
      pending.reloading.insert(w->name());
      continue;
    }
    if (!status_asked_.contains(w->name())) {
      if (!w->send({{"type", "status_request"}, {"id", id}})) continue;
      status_asked_[w->name()] = loop_.now();
    }
    pending.waiting.insert(w->name());
    wait = std::max(wait, status_wait(w->name()));
  }
  if (pending.waiting.empty()) return finish_status(id);
  pending.timeout = loop_.schedule_after(wait, [this, id] { finish_status(id); });
}

core::Duration Supervisor::status_wait(const std::string& worker) const {
  auto took = status_took_.find(worker);
  if (took == status_took_.end()) return kStatusTimeout;
  return std::clamp<core::Duration>(3 * took->second, kStatusTimeout, kSlowStatusTimeout);
}

void Supervisor::on_worker_status(WorkerProcess& worker, nlohmann::json data) {
  if (auto asked = status_asked_.find(worker.name()); asked != status_asked_.end()) {
    status_took_[worker.name()] = loop_.now() - asked->second;
    status_asked_.erase(asked);
  }
  // Every caller waiting for this worker gets this answer, whichever request it was for.
  std::vector<uint64_t> waiting;
  for (const auto& [id, pending] : statuses_)
    if (pending.waiting.contains(worker.name())) waiting.push_back(id);
  for (size_t i = 0; i < waiting.size(); ++i) {
    PendingStatus& pending = statuses_[waiting[i]];
    if (data.is_object()) {
      // The last caller takes the sections; a large status is not copied more than needed.
      const bool last = i + 1 == waiting.size();
      for (auto& [key, value] : data.items())
        pending.merged[key] = last ? std::move(value) : value;
    }
    pending.waiting.erase(worker.name());
    if (pending.waiting.empty()) finish_status(waiting[i]);
  }
}

void Supervisor::finish_status(uint64_t id) {
  auto it = statuses_.find(id);
  if (it == statuses_.end()) return;
  PendingStatus pending = std::move(it->second);
  statuses_.erase(it);
  pending.timeout.cancel();
  nlohmann::json status = {{"ok", true},
                           {"generation", active_.generation},
                           {"config_path", options_.config_path},
                           {"ready", announced_ready_},
                           {"processes", processes_json()},
                           {"vrrp", {{"instances", nlohmann::json::array()}}},
                           {"virtual_servers", nlohmann::json::array()},
                           {"sync", {{"role", "none"}}}};
  // Workers fill in their sections; a worker that did not answer leaves the empty default and
  // is named, so a reader can tell "nothing configured" from "no answer".
  for (auto& [key, value] : pending.merged.items()) status[key] = std::move(value);
  if (status["vrrp"].is_object() && status["vrrp"].contains("instances"))
    accept_filter_.annotate(status["vrrp"]["instances"]);
  pending.waiting.insert(pending.reloading.begin(), pending.reloading.end());
  if (!pending.waiting.empty())
    status["unanswered"] = std::vector<std::string>(pending.waiting.begin(), pending.waiting.end());
  if (!pending.reloading.empty())
    status["reloading"] =
        std::vector<std::string>(pending.reloading.begin(), pending.reloading.end());
  pending.done(status);
}

SupervisorFacts Supervisor::supervisor_facts() const {
  SupervisorFacts facts;
  facts.generation = active_.generation;
  facts.last_reload_ok = last_reload_ok_;
  for (const auto& w : workers_)
    facts.workers.push_back(
        {w->name(), w->running() && w->ready(), static_cast<uint64_t>(w->restarts())});
  return facts;
}

core::Status Supervisor::apply_metrics_listen() {
  const auto& wanted = active_.parsed.control.metrics_listen;
  if (metrics_ && wanted && metrics_->endpoint() == *wanted) return {};
  metrics_.reset();  // Pending scrapes on the old listener are dropped with their clients.
  if (!wanted) return {};
  auto server =
      std::make_unique<MetricsServer>(loop_, MetricsLimits{}, [this](MetricsServer::Reply reply) {
        gather_status([this, reply = std::move(reply)](const nlohmann::json& status) {
          reply(format_metrics(status, supervisor_facts()));
        });
      });
  if (auto listening = server->listen(*wanted); !listening) return listening;
  metrics_ = std::move(server);
  core::log_info("metrics: serving /metrics on " + wanted->to_string());
  return {};
}

void Supervisor::forward_command(const std::string& worker_name, const nlohmann::json& request,
                                 const Responder& responder) {
  WorkerProcess* worker = find_worker(worker_name);
  if (!worker_needed(active_.parsed, worker_name)) {
    responder.send({{"ok", false},
                    {"error", "the " + worker_name + " worker is not running (" +
                                  (worker_name == "checker" ? kCheckerNotNeeded : "not needed") +
                                  ")"}});
    return;
  }
  if (!worker || !worker->ready()) {
    responder.send({{"ok", false}, {"error", "the " + worker_name + " worker is not running"}});
    return;
  }
  uint64_t id = next_request_id_++;
  worker->send({{"type", "command"}, {"id", id}, {"request", request}});
  PendingCommand& pending = commands_[id];
  pending.responder = responder;
  pending.timeout = loop_.schedule_after(kCommandTimeout, [this, id, worker_name] {
    auto it = commands_.find(id);
    if (it == commands_.end()) return;
    it->second.responder.send({{"ok", false}, {"error", worker_name + " worker did not answer"}});
    commands_.erase(it);
  });
}

void Supervisor::on_worker_event(WorkerProcess& worker, const nlohmann::json& event) {
  nlohmann::json stamped = event;
  stamped["seq"] = ++event_seq_;
  stamped["source"] = worker.name();
  recent_events_.emplace_back(
      event_seq_, stamped.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  // The dump grew by doubling: up to half of each kept text was slack (~80 KB of the 1,000
  // events a large configuration's start keeps).
  recent_events_.back().second.shrink_to_fit();
  if (recent_events_.size() > kRecentEvents) recent_events_.pop_front();
  std::erase_if(event_subscribers_, [&](const Responder& r) { return !r.send(stamped); });
  if (WorkerProcess* snmp = find_worker("snmp"); snmp && snmp->ready())
    snmp->send({{"type", "relayed"}, {"from", "supervisor"}, {"payload", {{"event", stamped}}}});
}

}  // namespace hadirector::daemon
