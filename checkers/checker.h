// The plug-in seam for health checks: a Checker runs one probe at a time against one real
// server without ever blocking, and a CheckerFactory validates a check block's type-specific
// keys and builds Checkers. Timing, thresholds and sharing live in CheckRunner/CheckPool.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/probe_result.h"
#include "daemon/config/node.h"
#include "daemon/core/result.h"

namespace hadirector::core {
class EventLoop;
}

namespace hadirector::checkers {

// The real server a check probes: an IP literal (v4 or v6) and its service port, plus the
// check's own `port` key when it probes a different port (e.g. an agent on 9999).
struct CheckTarget {
  std::string address;
  uint16_t port = 0;
  std::optional<uint16_t> port_override;

  uint16_t effective_port() const { return port_override.value_or(port); }
  // "192.0.2.1:80", "[2001:db8::1]:80" (with the effective port).
  std::string to_string() const;
};

// What a factory may use to build a Checker. Probes register their fds and timers here.
struct CheckContext {
  core::EventLoop& loop;
};

class Checker {
 public:
  using Done = std::function<void(ProbeResult)>;
  virtual ~Checker() = default;

  // Starts one probe. `done` runs exactly once, later, from the event loop (never from inside
  // start_probe), unless cancel() or destruction comes first. At most one probe at a time.
  virtual void start_probe(Done done) = 0;
  // Abandons the running probe (closing its sockets); `done` is then never called.
  virtual void cancel() = 0;
  // Identity for sharing: type + target + params. Equal keys probe the same thing.
  virtual std::string key() const = 0;
};

class CheckerFactory {
 public:
  virtual ~CheckerFactory() = default;

  virtual std::string type() const = 0;
  // Every problem with the type-specific keys, each with the FILE:LINE:COL of its node.
  virtual std::vector<config::ConfigError> validate(const config::Node& params) const = 0;
  virtual core::Result<std::unique_ptr<Checker>> create(const CheckTarget& target,
                                                        const config::Node& params,
                                                        CheckContext& context) const = 0;
};

// "type target {canonical params}", the default Checker::key(). Map keys are sorted so that
// the order they were written in does not split a shared check.
std::string make_check_key(const std::string& type, const CheckTarget& target,
                           const config::Node& params);

}  // namespace hadirector::checkers
