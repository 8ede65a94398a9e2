// The Prometheus listener: a small non-blocking HTTP/1.1 server on the event loop that answers
// GET /metrics (404 for other paths, 405 for other methods), one request per connection
// (Connection: close), with limits on request size, connections and time. What the body says
// is the Scrape callback's business; it may answer later (the status comes from the workers).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/client_set.h"
#include "daemon/config/values.h"
#include "daemon/core/event_loop.h"
#include "daemon/core/unique_fd.h"

namespace hadirector::daemon {

class MetricsClient;

struct MetricsLimits {
  size_t max_request = 8 * 1024;  // request line and headers
  size_t max_clients = 16;
  core::Duration timeout = std::chrono::seconds(10);  // from accept to the last byte sent
};

class MetricsServer {
 public:
  // Called once per GET /metrics; the reply may be called later, at most once, from the loop.
  // A reply for a client that went away is dropped.
  using Reply = std::function<void(const std::string& body)>;
  using Scrape = std::function<void(Reply reply)>;

  MetricsServer(core::EventLoop& loop, MetricsLimits limits, Scrape scrape);
  ~MetricsServer();

  // Binds a TCP socket (SO_REUSEADDR) and listens.
  core::Status listen(const config::Endpoint& endpoint);
  const config::Endpoint& endpoint() const { return endpoint_; }
  size_t client_count() const { return clients_.size(); }

  // Internal: a client asks to be forgotten.
  void drop(MetricsClient* client);

 private:
  void accept_ready();

  core::EventLoop& loop_;
  MetricsLimits limits_;
  Scrape scrape_;
  core::UniqueFd listen_fd_;
  core::Handle listen_watch_;
  config::Endpoint endpoint_;
  ClientSet<MetricsClient> clients_;
};

}  // namespace hadirector::daemon
