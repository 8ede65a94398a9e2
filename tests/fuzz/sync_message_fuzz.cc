// Fuzz target for the IPVS sync-message decoder: arbitrary bytes as a sync datagram. Decoding
// must never read out of bounds or abort; a decoded message never holds more connections than
// its header's count nor more than the bytes could carry, and the monitor counts it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ipvs/sync_message.h"
#include "ipvs/sync_stats.h"

namespace hi = hadirector::ipvs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  auto message = hi::decode_sync_message(bytes);
  if (message) {
    if (size < hi::kSyncHeaderSize || message->connections.size() != data[4]) std::abort();
    if (message->connections.size() * hi::kSyncConnV4Size > size) std::abort();
    for (const auto& c : message->connections) {
      if (c.pe_name.size() > hi::kSyncPeNameMax) std::abort();
    }
  } else if (hi::to_string(message.error()) == "unknown") {
    std::abort();
  }
  hi::SyncStats stats;
  stats.record("peer", bytes, {});
  const auto& p = stats.peers().at("peer");
  if (p.messages + p.errors != 1) std::abort();
  return 0;
}
