#include "daemon/accept_filter.h"

#include <algorithm>

#include "daemon/accept_ruleset.h"
#include "daemon/core/log.h"

namespace hadirector::daemon {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

}  // namespace

void AcceptFilter::apply(const config::Config& config) {
  open_.clear();
  closing_.clear();
  for (const auto& i : config.vrrp.instances) (closes_vips(i) ? closing_ : open_).push_back(i.name);
  std::ranges::sort(open_);
  std::ranges::sort(closing_);
  AcceptPlan plan = plan_accept_filter(config);
  if (installed_ && *installed_ == plan.ruleset) return;
  const std::string table = std::string("inet ") + kAcceptTable;
  if (plan.ruleset.empty()) {
    // Nothing to close. A table left by a daemon that was killed would still close VIPs: drop
    // it. Failing here (no nftables at all) means there is no table either.
    if (!installed_ && !present_()) {
      installed_ = "";
      return;
    }
    auto removed = run_(accept_table_removal());
    if (!removed)
      core::log_debug("accept mode: removing " + table + ": " + removed.error().message());
    else if (installed_ && !installed_->empty())
      core::log_info("accept mode: no VIP to close any more; nftables table " + table + " removed");
    installed_ = "";
    enforced_.clear();
    return;
  }
  if (auto ran = run_(plan.ruleset); !ran) {
    // The transaction failed as a whole: what the kernel held before is still in place.
    const std::string message = ran.error().message();
    const std::string text = "accept mode NOT enforced for instance(s) " +
                             join(plan.filtered_instances) + ": " + message +
                             "; VRRP keeps running and their VIPs accept all traffic "
                             "(status: accept_enforced false)";
    if (message != last_error_)
      core::log_warning(text);
    else
      core::log_debug(text);
    last_error_ = message;
    return;
  }
  core::log_info("accept mode: VIPs of instance(s) " + join(plan.filtered_instances) +
                 " take only their virtual services (nftables table " + table + ")");
  installed_ = std::move(plan.ruleset);
  enforced_ = std::move(plan.filtered_instances);
  last_error_.clear();
}

void AcceptFilter::remove() {
  if (!installed_ || installed_->empty()) return;
  const std::string table = std::string("inet ") + kAcceptTable;
  if (auto removed = run_(accept_table_removal()); !removed)
    core::log_warning("accept mode: removing nftables table " + table + ": " +
                      removed.error().message());
  else
    core::log_info("accept mode: nftables table " + table + " removed");
  installed_ = "";
  enforced_.clear();
}

void AcceptFilter::annotate(nlohmann::json& instances) const {
  if (!instances.is_array()) return;
  for (auto& entry : instances) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string()) continue;
    const std::string name = entry["name"].get<std::string>();
    const bool open = std::ranges::binary_search(open_, name);
    if (!open && !std::ranges::binary_search(closing_, name)) continue;
    entry["accept"] = open;
    // An open instance has nothing to enforce. A closed one whose VIPs another, accepting
    // instance also lists is left open by design and is not "enforced".
    entry["accept_enforced"] = open || std::ranges::count(enforced_, name) > 0;
  }
}

}  // namespace hadirector::daemon
