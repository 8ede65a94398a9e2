#include "ipvs/reconciler.h"

#include <algorithm>

namespace hadirector::ipvs {
namespace {

const ObservedService* find_observed(const std::vector<ObservedService>& observed,
                                     const Service& key) {
  for (const auto& o : observed)
    if (o.service.same_key(key)) return &o;
  return nullptr;
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
  for (const auto& want : desired) b.service(want, find_observed(observed, want.service));
  for (const auto& gone : released) {
    bool still_wanted = std::any_of(desired.begin(), desired.end(), [&](const DesiredService& d) {
      return d.service.same_key(gone);
    });
    const ObservedService* have = find_observed(observed, gone);
    if (still_wanted || !have) continue;
    b.plan.ops.push_back(make_op(OpKind::kDeleteService, have->service, {}, "not configured"));
  }
  return std::move(b.plan);
}

core::Result<std::vector<ObservedService>> Reconciler::read_owned(
    const std::vector<Service>& keys) {
  auto services = client_.list_services();
  if (!services) return std::unexpected(services.error());
  std::vector<ObservedService> out;
  for (const auto& info : *services) {
    bool ours = std::any_of(keys.begin(), keys.end(),
                            [&](const Service& k) { return k.same_key(info.service); });
    if (!ours) continue;
    auto dests = client_.list_destinations(info.service);
    if (!dests) return std::unexpected(dests.error());
    ObservedService o{info.service, {}};
    for (const auto& d : *dests) o.destinations.push_back(d.destination);
    out.push_back(std::move(o));
  }
  return out;
}

core::Status Reconciler::apply(const Op& op) {
  switch (op.kind) {
    case OpKind::kAddService:
      return client_.add_service(op.service);
    case OpKind::kEditService:
      return client_.edit_service(op.service);
    case OpKind::kDeleteService:
      return client_.delete_service(op.service);
    case OpKind::kAddDestination:
      return client_.add_destination(op.service, op.destination);
    case OpKind::kEditDestination: {
      auto edited = client_.edit_destination(op.service, op.destination);
      // Gone between our read and the edit (someone deleted it): put it back.
      if (!edited && edited.error().sys_errno() == ENOENT)
        return client_.add_destination(op.service, op.destination);
      return edited;
    }
    case OpKind::kDeleteDestination:
      return client_.delete_destination(op.service, op.destination);
  }
  return {};
}

SyncReport Reconciler::sync(const std::vector<DesiredService>& desired, core::TimePoint now) {
  SyncReport report;
  std::vector<Service> released;
  for (const auto& s : owned_) {
    bool wanted = std::any_of(desired.begin(), desired.end(),
                              [&](const DesiredService& d) { return d.service.same_key(s); });
    if (!wanted) released.push_back(s);
  }
  std::vector<Service> keys = released;
  for (const auto& d : desired) keys.push_back(d.service);
  auto observed = read_owned(keys);
  if (!observed) {
    report.read_failed = true;
    report.errors.push_back(observed.error().message());
    return report;
  }
  Plan plan = plan_changes(desired, *observed, released, draining_, now);
  draining_ = std::move(plan.draining);
  next_deadline_ = plan.next_deadline;
  for (const auto& op : plan.ops) {
    auto done = apply(op);
    if (done || ignorable(op, done.error())) {
      report.applied.push_back(op);
    } else {
      report.errors.push_back(done.error().message());
    }
  }
  // Released services stay owned until a sync no longer finds them, so a failed delete retries.
  owned_.clear();
  for (const auto& d : desired) owned_.push_back(d.service);
  for (const auto& s : released)
    if (find_observed(*observed, s)) owned_.push_back(s);
  return report;
}

}  // namespace hadirector::ipvs
