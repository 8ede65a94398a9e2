// The control socket: a Unix stream socket speaking newline-delimited JSON. This class owns
// the listening socket and the clients (framing, limits, slow-client protection, peer
// credentials); what a request means is the handler's business.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/client_set.h"
#include "daemon/core/event_loop.h"
#include "daemon/core/unique_fd.h"
#include "daemon/request_rate_limiter.h"

namespace hadirector::daemon {

class ControlClient;

// A way to answer one client that stays safe after the client has gone.
class Responder {
 public:
  explicit Responder(std::weak_ptr<ControlClient> client) : client_(std::move(client)) {}
  // Sends one JSON line. False if the client is gone.
  bool send(const nlohmann::json& message) const;
  bool alive() const { return !client_.expired(); }
  uid_t peer_uid() const;
  // Keeps the client open after the reply (event streams).
  void keep_open() const;

 private:
  std::weak_ptr<ControlClient> client_;
};

struct ControlLimits {
  size_t max_request = 64 * 1024;       // bytes in one request line
  // A client whose unread replies pile up beyond this is dropped (one reply alone may be larger).
  size_t max_queued_output = 4u << 20;
  size_t max_clients = 64;
  core::Duration request_timeout = std::chrono::seconds(10);  // to finish sending a request
  // Requests a non-root peer may make: a sustained rate per uid with a burst on top. Root (who
  // may reload and stop the daemon anyway) is not limited.
  double requests_per_second = 20;
  double request_burst = 40;
};

class ControlServer {
 public:
  // The handler answers with responder.send(); a request without keep_open() closes the
  // connection after its first reply.
  using Handler = std::function<void(const nlohmann::json& request, const Responder& responder)>;

  ControlServer(core::EventLoop& loop, ControlLimits limits, Handler handler);
  ~ControlServer();

  // Binds `path` (replacing a stale socket file), mode 0660.
  core::Status listen(const std::string& path);
  const std::string& path() const { return path_; }
  size_t client_count() const { return clients_.size(); }
  // control.read_group: the socket's group becomes `group` (members may connect and use the
  // read-only commands; changing ones check the peer's uid), or our own group when absent.
  // An unknown group is an error and leaves the socket to root.
  core::Status set_read_group(const std::optional<std::string>& group);

  // Internal: a client asks to be forgotten.
  void drop(ControlClient* client);
  // Internal: whether a request from a peer with `uid` is within its rate.
  bool admit(uid_t uid);

 private:
  void accept_ready();

  core::EventLoop& loop_;
  ControlLimits limits_;
  Handler handler_;
  core::UniqueFd listen_fd_;
  core::Handle listen_watch_;
  std::string path_;
  ClientSet<ControlClient> clients_;
  uint64_t next_serial_ = 0;
  RequestRateLimiter rate_;
};

}  // namespace hadirector::daemon
