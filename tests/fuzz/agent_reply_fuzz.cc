// Fuzzes the HAProxy agent-check reply parser with untrusted agent bytes: it must never crash,
// and a parsed weight stays within the documented bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checkers/agent/agent_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hadirector::checkers::agent;
  auto reply = parse_agent_reply(std::string_view(reinterpret_cast<const char*>(data), size));
  if (reply && reply->advice.weight_percent)
    HD_CHECK(*reply->advice.weight_percent <= kMaxWeightPercent);
  return 0;
}
