// What the sync monitor has heard on the sync group: per peer (source address) the datagrams
// and connections received, its sync id and when it was last heard; decode errors by reason
// (version_mismatch among them). Pure bookkeeping: the socket lives in daemon/checker_sync.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "ipvs/sync_message.h"

namespace hadirector::ipvs {

struct SyncPeerStats {
  std::uint64_t messages = 0;
  std::uint64_t connections = 0;
  std::uint64_t errors = 0;
  int sync_id = -1;  // of the last decoded message
  std::chrono::system_clock::time_point last_seen{};
};

class SyncStats {
 public:
  // Decodes one datagram from `peer` and counts it.
  void record(const std::string& peer, std::span<const std::uint8_t> datagram,
              std::chrono::system_clock::time_point now);

  const std::map<std::string, SyncPeerStats>& peers() const { return peers_; }
  const std::map<std::string, std::uint64_t>& errors() const { return errors_; }

 private:
  std::map<std::string, SyncPeerStats> peers_;
  std::map<std::string, std::uint64_t> errors_;  // by to_string(SyncDecodeError)
};

}  // namespace hadirector::ipvs
