// FakeIpvsClient: an in-memory IPVS table behind the IpvsClient interface, for tests of the
// reconciler and the daemon. It answers with the kernel's errnos (checked against the real
// kernel by tests/kernel/ipvs_client_test.cc): EEXIST for duplicates, ESRCH for a missing
// service, ENOENT for a missing destination or unknown scheduler, ERANGE for inverted
// thresholds, and an empty list for the real servers of a missing service. Every call is recorded
// in log() ("add_destination TCP 10.0.0.1:80 10.0.0.2:80"); fail_next() injects one error.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ipvs/ipvs_client.h"

namespace hadirector::testing {

class FakeIpvsClient : public ipvs::IpvsClient {
 public:
  FakeIpvsClient();

  core::Result<ipvs::Info> get_info() override;
  core::Result<std::vector<ipvs::ServiceInfo>> list_services() override;
  core::Result<ipvs::ServiceInfo> get_service(const ipvs::Service& key) override;
  core::Status add_service(const ipvs::Service& service) override;
  core::Status edit_service(const ipvs::Service& service) override;
  core::Status delete_service(const ipvs::Service& key) override;
  core::Status flush() override;
  core::Result<std::vector<ipvs::DestinationInfo>> list_destinations(
      const ipvs::Service& key) override;
  core::Status add_destination(const ipvs::Service& key, const ipvs::Destination& dest) override;
  core::Status edit_destination(const ipvs::Service& key, const ipvs::Destination& dest) override;
  core::Status delete_destination(const ipvs::Service& key, const ipvs::Destination& dest) override;
  core::Result<ipvs::Timeouts> get_timeouts() override;
  core::Status set_timeouts(const ipvs::Timeouts& timeouts) override;
  core::Status start_sync_daemon(const ipvs::SyncDaemon& daemon) override;
  core::Status stop_sync_daemon(ipvs::SyncState state) override;
  core::Result<std::vector<ipvs::SyncDaemon>> list_sync_daemons() override;

  // Makes the next call of `operation` (a log() verb such as "add_service") fail with `err`.
  void fail_next(std::string_view operation, int err);
  // Sets the statistics that list_* and *_stats report.
  void set_service_stats(const ipvs::Service& key, const ipvs::Stats& stats);
  void set_destination_stats(const ipvs::Service& key, const ipvs::Destination& dest,
                             const ipvs::Stats& stats);

  const std::vector<std::string>& log() const { return log_; }
  void clear_log() { log_.clear(); }

 private:
  struct Entry {
    ipvs::ServiceInfo info;
    std::vector<ipvs::DestinationInfo> dests;
  };

  // Logs the call and returns the injected error for it, if any.
  core::Status record(std::string_view operation, const std::string& object,
                      const std::string& what);
  Entry* find(const ipvs::Service& key);
  ipvs::DestinationInfo* find_dest(Entry& e, const ipvs::Destination& d);

  std::vector<Entry> services_;
  ipvs::Timeouts timeouts_;
  std::vector<ipvs::SyncDaemon> daemons_;
  std::map<std::string, int, std::less<>> injected_;
  std::vector<std::string> log_;
};

}  // namespace hadirector::testing
