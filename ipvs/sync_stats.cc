#include "ipvs/sync_stats.h"

namespace hadirector::ipvs {

void SyncStats::record(const std::string& peer, std::span<const std::uint8_t> datagram,
                       std::chrono::system_clock::time_point now) {
  SyncPeerStats& p = peers_[peer];
  p.last_seen = now;
  auto message = decode_sync_message(datagram);
  if (!message) {
    ++p.errors;
    ++errors_[std::string(to_string(message.error()))];
    return;
  }
  ++p.messages;
  p.connections += message->connections.size();
  p.sync_id = message->sync_id;
}

}  // namespace hadirector::ipvs
