#include "daemon/real_server_policy.h"

#include <algorithm>

namespace hadirector::daemon {
namespace {

bool keeps_failed_at_zero(const config::VirtualServer& vs) {
  // Hashing schedulers map clients over the whole server list: removing a server would
  // remap everyone, weight 0 only moves that server's clients.
  return vs.on_failure == config::OnFailure::kInhibit || vs.scheduler == "mh" ||
         vs.scheduler == "sh";
}

// Weight of a server that is up: configured, scaled by agent advice and slow start.
void weigh_up(const config::VirtualServer& vs, const config::RealServer& cfg,
              const RealServerInput& in, RealServerVerdict& out,
              std::optional<core::Duration>& reevaluate) {
  int weight = cfg.weight;
  out.state = in.has_checks ? RealServerState::kUp : RealServerState::kUnchecked;
  out.reason = in.has_checks ? "ok" : "no-checks";
  out.healthy = true;
  if (in.agent && in.agent->weight_percent) {
    long scaled = static_cast<long>(weight) * *in.agent->weight_percent / 100;
    weight = static_cast<int>(std::min<long>(scaled, 65535));
    out.reason = "agent-weight-" + std::to_string(*in.agent->weight_percent) + "%";
  }
  if (vs.slow_start > core::Duration::zero() && in.since_change &&
      *in.since_change < vs.slow_start && weight > 0) {
    const core::Duration step = vs.slow_start / kSlowStartSteps;
    const long k = step.count() > 0 ? *in.since_change / step + 1 : kSlowStartSteps;
    weight = std::max(1, static_cast<int>(weight * k / kSlowStartSteps));
    out.state = RealServerState::kSlowStart;
    out.reason = "slow-start";
    core::Duration next = step * k - *in.since_change;
    if (!reevaluate || next < *reevaluate) reevaluate = next;
  }
  if (in.agent && in.agent->admin == checkers::AgentAdmin::kDrain) {
    weight = 0;
    out.state = RealServerState::kDraining;
    out.reason = "agent-drain";
  }
  if (in.drained) {
    weight = 0;
    out.state = RealServerState::kDraining;
    out.reason = "operator-drain";
  }
  out.weight = weight;
}

void eject(const config::VirtualServer& vs, RealServerVerdict& out) {
  if (keeps_failed_at_zero(vs)) {
    out.weight = 0;
    out.state = RealServerState::kInhibited;
  } else {
    out.weight.reset();
    out.state = RealServerState::kDown;
  }
}

// Indices of failed servers that max_ejected_percent keeps in the pool: the most recent failures.
std::vector<size_t> kept_despite_failure(const config::VirtualServer& vs,
                                         const std::vector<RealServerInput>& inputs,
                                         const std::vector<size_t>& failed) {
  const size_t max_ejected = vs.real_servers.size() * vs.max_ejected_percent / 100;
  if (failed.size() <= max_ejected) return {};
  std::vector<size_t> order = failed;
  auto age = [&](size_t i) { return inputs[i].since_change.value_or(core::Duration::max()); };
  // Most recent failure first; among equals the later-configured one.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (age(a) != age(b)) return age(a) < age(b);
    return a > b;
  });
  order.resize(failed.size() - max_ejected);
  return order;
}

}  // namespace

const char* to_string(RealServerState state) {
  switch (state) {
    case RealServerState::kUp:
      return "up";
    case RealServerState::kDown:
      return "down";
    case RealServerState::kDraining:
      return "draining";
    case RealServerState::kSlowStart:
      return "slow-start";
    case RealServerState::kInhibited:
      return "inhibited";
    case RealServerState::kUnchecked:
      return "unchecked";
  }
  return "?";
}

VirtualServerVerdict decide(const config::VirtualServer& vs,
                            const std::vector<RealServerInput>& inputs, bool quorum_was_ok) {
  VirtualServerVerdict v;
  v.real_servers.resize(vs.real_servers.size());
  std::vector<size_t> failed;
  for (size_t i = 0; i < vs.real_servers.size() && i < inputs.size(); ++i) {
    const RealServerInput& in = inputs[i];
    RealServerVerdict& out = v.real_servers[i];
    bool up = !in.has_checks || in.healthy;
    if (in.agent && in.agent->admin == checkers::AgentAdmin::kMaint) {
      up = false;
      out.reason = "agent-maint";
    } else if (!up) {
      out.reason = in.down_reason.empty() ? "check-failed" : in.down_reason;
    }
    if (up) {
      weigh_up(vs, vs.real_servers[i], in, out, v.reevaluate_after);
    } else {
      eject(vs, out);
      failed.push_back(i);
    }
  }
  for (size_t i : kept_despite_failure(vs, inputs, failed)) {
    RealServerVerdict& out = v.real_servers[i];
    out.weight = inputs[i].drained ? 0 : vs.real_servers[i].weight;
    out.state = RealServerState::kDown;
    v.notes.push_back("max-ejected-percent " + std::to_string(vs.max_ejected_percent) +
                      "% keeps failed " + vs.real_servers[i].address.to_string() + " (" +
                      out.reason + ") in the pool");
    out.reason = "max-ejected-percent";
  }

  long live = 0;
  for (const auto& out : v.real_servers)
    if (out.healthy && out.weight) live += *out.weight;
  const long low = vs.quorum - vs.quorum_hysteresis, high = vs.quorum + vs.quorum_hysteresis;
  v.quorum_ok = quorum_was_ok ? live >= low : live >= high;
  if (!v.quorum_ok && vs.sorry_server) {
    for (auto& out : v.real_servers) {
      if (!out.weight) continue;
      out.weight.reset();
      out.reason = "quorum-lost";
    }
    v.sorry_weight = 1;
  }
  return v;
}

}  // namespace hadirector::daemon
