#include "ipvs/reconciler.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace hadirector::ipvs {
namespace {

// Observed services by Service::name() (unique per key), so a plan over thousands of services
// stays linear.
using ObservedIndex = std::unordered_map<std::string, const ObservedService*>;

ObservedIndex index_of(const std::vector<ObservedService>& observed) {
  ObservedIndex index;
  index.reserve(observed.size());
  for (const auto& o : observed) index.emplace(o.service.name(), &o);
  return index;
}

const ObservedService* find_observed(const ObservedIndex& index, const Service& key) {
  auto it = index.find(key.name());
  return it == index.end() ? nullptr : it->second;
}

std::unordered_set<std::string> names_of(const std::vector<DesiredService>& desired) {
  std::unordered_set<std::string> names;
  names.reserve(desired.size());
  for (const auto& d : desired) names.insert(d.service.name());
  return names;
}

const Destination* find_dest(const std::vector<Destination>& dests, const Destination& key) {
  for (const auto& d : dests)
    if (d.same_key(key)) return &d;
  return nullptr;
}

Op make_op(OpKind kind, const Service& service, const Destination& dest, std::string reason) {
  return Op{kind, service, dest, std::move(reason)};
}

std::string dest_change(const Destination& from, const Destination& to) {
  if (from.weight != to.weight)
    return "weight " + std::to_string(from.weight) + " -> " + std::to_string(to.weight);
  if (from.forwarding != to.forwarding) return "forwarding changed";
  if (from.upper_threshold != to.upper_threshold || from.lower_threshold != to.lower_threshold)
    return "thresholds changed";
  return "tunnel settings changed";
}

struct PlanBuilder {
  core::TimePoint now;
  const DrainDeadlines& old_draining;
  Plan plan;

  void note_deadline(core::TimePoint when) {
    if (!plan.next_deadline || when < *plan.next_deadline) plan.next_deadline = when;
  }

  // A real server present in the kernel but no longer desired: drain it, or delete it.
  void retire(const DesiredService& want, const Destination& have, std::vector<Op>& deletes) {
    const std::string key = drain_key(want.service, have);
    if (want.remove_drain_time <= core::Duration::zero()) {
      deletes.push_back(make_op(OpKind::kDeleteDestination, want.service, have, "not desired"));
      return;
    }
    auto it = old_draining.find(key);
    core::TimePoint deadline = it != old_draining.end() ? it->second : now + want.remove_drain_time;
    if (now >= deadline) {
      deletes.push_back(make_op(OpKind::kDeleteDestination, want.service, have, "drain over"));
      return;
    }
    plan.draining[key] = deadline;
    note_deadline(deadline);
    if (have.weight != 0) {
      Destination zero = have;
      zero.weight = 0;
      plan.ops.push_back(
          make_op(OpKind::kEditDestination, want.service, zero, "draining before removal"));
    }
  }

  void service(const DesiredService& want, const ObservedService* have) {
    std::vector<Op> adds, deletes;
    if (!have) {
      plan.ops.push_back(make_op(OpKind::kAddService, want.service, {}, "new"));
    } else if (!(have->service == want.service)) {
      plan.ops.push_back(make_op(OpKind::kEditService, want.service, {}, "settings changed"));
    }
    for (const auto& d : want.destinations) {
      const Destination* cur = have ? find_dest(have->destinations, d) : nullptr;
      if (!cur) {
        adds.push_back(make_op(OpKind::kAddDestination, want.service, d, "new"));
      } else if (!(*cur == d)) {
        plan.ops.push_back(
            make_op(OpKind::kEditDestination, want.service, d, dest_change(*cur, d)));
      }
    }
    if (have) {
      for (const auto& d : have->destinations)
        if (!find_dest(want.destinations, d) && !find_dest(want.undecided, d))
          retire(want, d, deletes);
    }
    plan.ops.insert(plan.ops.end(), adds.begin(), adds.end());
    plan.ops.insert(plan.ops.end(), deletes.begin(), deletes.end());
  }
};

bool ignorable(const Op& op, const core::Error& e) {
  const int err = e.sys_errno();
  switch (op.kind) {
    case OpKind::kAddService:
    case OpKind::kAddDestination:
      return err == EEXIST;
    case OpKind::kDeleteService:
      return err == ESRCH;
    case OpKind::kDeleteDestination:
      return err == ENOENT || err == ESRCH;
    default:
      return false;
  }
}

}  // namespace

const char* to_string(OpKind kind) {
  switch (kind) {
    case OpKind::kAddService:
      return "add service";
    case OpKind::kEditService:
      return "edit service";
    case OpKind::kDeleteService:
      return "delete service";
    case OpKind::kAddDestination:
      return "add destination";
    case OpKind::kEditDestination:
      return "edit destination";
    case OpKind::kDeleteDestination:
      return "delete destination";
  }
  return "op?";
}

std::string Op::describe() const {
  switch (kind) {
    case OpKind::kAddService:
    case OpKind::kEditService:
      return std::string(to_string(kind)) + " " + service.name() + " (scheduler " +
             service.scheduler + ", " + reason + ")";
    case OpKind::kDeleteService:
      return std::string(to_string(kind)) + " " + service.name() + " (" + reason + ")";
    case OpKind::kAddDestination:
    case OpKind::kEditDestination:
      return std::string(to_string(kind)) + " " + destination.name() +
             (kind == OpKind::kAddDestination ? " to " : " of ") + service.name() + " (weight " +
             std::to_string(destination.weight) + ", " + reason + ")";
    case OpKind::kDeleteDestination:
      return std::string(to_string(kind)) + " " + destination.name() + " from " + service.name() +
             " (" + reason + ")";
  }
  return "op?";
}

std::string drain_key(const Service& service, const Destination& dest) {
  return service.name() + " " + dest.name();
}

Plan plan_changes(const std::vector<DesiredService>& desired,
                  const std::vector<ObservedService>& observed,
                  const std::vector<Service>& released, const DrainDeadlines& draining,
                  core::TimePoint now) {
  PlanBuilder b{now, draining, {}};
  const ObservedIndex index = index_of(observed);
  for (const auto& want : desired) b.service(want, find_observed(index, want.service));
  const std::unordered_set<std::string> wanted = names_of(desired);
  std::unordered_set<std::string> deleted;
  for (const auto& gone : released) {
    const std::string name = gone.name();
    const ObservedService* have = find_observed(index, gone);
    if (wanted.contains(name) || !have || !deleted.insert(name).second) continue;
    b.plan.ops.push_back(make_op(OpKind::kDeleteService, have->service, {}, "not configured"));
  }
  return std::move(b.plan);
}

core::Result<std::vector<ObservedService>> Reconciler::read_owned(
    const std::vector<Service>& keys) {
  auto services = client_.list_services();
  if (!services) return std::unexpected(services.error());
  std::unordered_set<std::string> ours;
  for (const auto& k : keys) ours.insert(k.name());
  std::vector<ObservedService> out;
  for (const auto& info : *services) {
    if (!ours.contains(info.service.name())) continue;
    auto dests = client_.list_destinations(info.service);
    if (!dests) return std::unexpected(dests.error());
    ObservedService o{info.service, {}};
    o.destinations.reserve(dests->size());
    for (const auto& d : *dests) o.destinations.push_back(d.destination);
    out.push_back(std::move(o));
  }
  return out;
}

core::Status Reconciler::read_one(const Service& key) {
  const std::string name = key.name();
  auto info = client_.get_service(key);
  if (!info) {
    const int err = info.error().sys_errno();
    if (err != ESRCH && err != ENOENT) return std::unexpected(info.error());
    covered_.insert(name);
    return {};
  }
  auto dests = client_.list_destinations(info->service);
  if (!dests) return std::unexpected(dests.error());
  ObservedService o{info->service, {}};
  for (const auto& d : *dests) o.destinations.push_back(d.destination);
  cache_.insert_or_assign(name, std::move(o));
  covered_.insert(name);
  return {};
}

core::Result<std::vector<ObservedService>> Reconciler::cached(const std::vector<Service>& keys) {
  std::vector<ObservedService> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    const std::string name = k.name();
    if (!covered_.contains(name))
      if (auto read = read_one(k); !read) return std::unexpected(read.error());
    if (auto it = cache_.find(name); it != cache_.end()) out.push_back(it->second);
  }
  return out;
}

std::vector<core::Status> Reconciler::apply(const std::vector<Op>& ops) {
  std::vector<Change> changes;
  changes.reserve(ops.size());
  for (const Op& op : ops) changes.push_back({op.kind, op.service, op.destination});
  std::vector<core::Status> results = client_.apply(changes);
  for (size_t i = 0; i < ops.size() && i < results.size(); ++i) {
    // Gone between our read and the edit (someone deleted it): put it back.
    if (ops[i].kind == OpKind::kEditDestination && !results[i] &&
        results[i].error().sys_errno() == ENOENT)
      results[i] = client_.add_destination(ops[i].service, ops[i].destination);
  }
  return results;
}

// Keeps cache_ equal to the kernel after `op` succeeded (or was already done).
void Reconciler::remember(const Op& op) {
  const std::string name = op.service.name();
  covered_.insert(name);
  if (op.kind == OpKind::kDeleteService) {
    cache_.erase(name);
    return;
  }
  auto [it, fresh] = cache_.try_emplace(name, ObservedService{op.service, {}});
  if (op.kind == OpKind::kAddService || op.kind == OpKind::kEditService) {
    it->second.service = op.service;
    return;
  }
  auto& dests = it->second.destinations;
  auto d = std::find_if(dests.begin(), dests.end(),
                        [&](const Destination& x) { return x.same_key(op.destination); });
  if (op.kind == OpKind::kDeleteDestination) {
    if (d != dests.end()) dests.erase(d);
  } else if (d != dests.end()) {
    *d = op.destination;
  } else {
    dests.push_back(op.destination);
  }
}

std::vector<DesiredService> Reconciler::to_plan(const std::vector<DesiredService>& desired,
                                                bool from_cache) const {
  if (!from_cache) return desired;
  // A draining real server's deadline is checked by planning its service again.
  std::unordered_set<std::string> draining;
  for (const auto& [key, deadline] : draining_) draining.insert(key.substr(0, key.rfind(' ')));
  std::vector<DesiredService> out;
  for (const auto& d : desired) {
    const std::string name = d.service.name();
    auto it = synced_.find(name);
    if (it == synced_.end() || !(it->second == d) || draining.contains(name)) out.push_back(d);
  }
  return out;
}

void Reconciler::remember_synced(const std::vector<DesiredService>& planned,
                                 const std::unordered_set<std::string>& wanted, bool clean,
                                 bool from_cache) {
  if (!clean) {
    synced_.clear();  // the next sync reads the kernel and plans everything
    return;
  }
  if (!from_cache) synced_.clear();
  for (const auto& d : planned) synced_.insert_or_assign(d.service.name(), d);
  // One no longer wanted (deleted, or withdrawn) must be planned when it is wanted again.
  std::erase_if(synced_, [&](const auto& entry) { return !wanted.contains(entry.first); });
}

SyncReport Reconciler::sync(const std::vector<DesiredService>& all_desired, core::TimePoint now,
                            const std::vector<Service>& withdrawn, ReadMode mode) {
  SyncReport report;
  const std::unordered_set<std::string> wanted = names_of(all_desired);
  std::vector<Service> released = withdrawn;
  for (const auto& s : owned_)
    if (!wanted.contains(s.name())) released.push_back(s);
  const bool from_cache = mode == ReadMode::kCached && cache_valid_;
  const std::vector<DesiredService> desired = to_plan(all_desired, from_cache);
  std::vector<Service> keys = released;
  for (const auto& d : desired) keys.push_back(d.service);
  auto read = from_cache ? cached(keys) : read_owned(keys);
  if (!read) {
    cache_valid_ = false;
    report.read_failed = true;
    report.errors.push_back(read.error().message());
    return report;
  }
  std::vector<ObservedService> observed = std::move(*read);
  if (!from_cache) {
    cache_.clear();
    covered_.clear();
    for (const auto& k : keys) covered_.insert(k.name());
    for (const auto& o : observed) cache_.emplace(o.service.name(), o);
    cache_valid_ = true;
  }
  Plan plan = plan_changes(desired, observed, released, draining_, now);
  draining_ = std::move(plan.draining);
  next_deadline_ = plan.next_deadline;
  // One batch: the client pipelines it, in plan order.
  const std::vector<core::Status> results = apply(plan.ops);
  for (size_t i = 0; i < plan.ops.size(); ++i) {
    const Op& op = plan.ops[i];
    const core::Status done =
        i < results.size() ? results[i] : core::fail(core::Errc::kProtocol, "no result");
    if (done || ignorable(op, done.error())) {
      report.applied.push_back(op);
      remember(op);
    } else {
      report.errors.push_back(done.error().message());
      cache_valid_ = false;
    }
  }
  // Released services stay owned until a sync no longer finds them, so a failed delete retries.
  const ObservedIndex index = index_of(observed);
  std::unordered_set<std::string> kept;
  owned_.clear();
  for (const auto& d : all_desired) owned_.push_back(d.service);
  for (const auto& s : released)
    if (find_observed(index, s) && !wanted.contains(s.name()) && kept.insert(s.name()).second)
      owned_.push_back(s);
  remember_synced(desired, wanted, report.errors.empty(), from_cache);
  return report;
}

}  // namespace hadirector::ipvs
