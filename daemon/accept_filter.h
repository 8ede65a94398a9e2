// Keeps the daemon's nftables table (accept_ruleset.h) in step with the configuration: installs
// it at start and on a reload that changes it, removes it on a clean stop, and tells the status
// whose accept mode is enforced. Runs in the supervisor, off the advert path. Without nftables
// it says so once and the VIPs stay open; VRRP is never held up by it.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/core/result.h"

namespace hadirector::daemon {

class AcceptFilter {
 public:
  // Runs nft command text as one transaction (run_nft_commands in production).
  using Runner = std::function<core::Status(const std::string& commands)>;
  // `present` says whether nf_tables may hold a table at all (nftables_present in production):
  // with nothing to close, a table left by a killed daemon is removed only then.
  explicit AcceptFilter(
      Runner run, std::function<bool()> present = [] { return true; })
      : run_(std::move(run)), present_(std::move(present)) {}

  // Installs the ruleset for `config`, or removes the table when no VIP is closed. Does
  // nothing when the kernel already holds this ruleset.
  void apply(const config::Config& config);
  // Removes the table on a clean stop (after the VRRP worker released the VIPs).
  void remove();
  // Adds `accept` (configured, or owner) and `accept_enforced` to each entry of a status
  // `vrrp.instances` array, matched by name with the configuration last applied (the names are
  // kept here, so the supervisor need not keep every instance's settings).
  void annotate(nlohmann::json& instances) const;

 private:
  Runner run_;
  std::function<bool()> present_;
  std::optional<std::string> installed_;  // ruleset the kernel holds; "" = no table
  std::vector<std::string> enforced_;     // instances whose VIPs it closes
  std::vector<std::string> open_, closing_;  // the applied configuration's instances, sorted
  std::string last_error_;                // logged as a warning once, then at debug level
};

}  // namespace hadirector::daemon
