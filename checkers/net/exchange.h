// One request/response exchange of a network probe: non-blocking connect (IPv4 or IPv6) to the
// target, optional TLS handshake, send a payload, then read until the caller's `complete`
// predicate is satisfied, the peer closes, or a byte cap is reached. Driven by the EventLoop;
// destroying the Exchange closes the socket and cancels everything. It interprets nothing.
// A finished Exchange whose peer kept the connection open can carry another request (reuse).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "checkers/checker.h"
#include "checkers/net/tls.h"
#include "daemon/core/event_loop.h"

namespace hadirector::checkers::net {

struct ExchangeRequest {
  std::string payload;  // sent once connected (and after the TLS handshake)
  // Told everything received so far; true when it has enough. Null: done once payload is sent.
  std::function<bool(std::string_view received)> complete;
  size_t max_bytes = 96 * 1024;
  // Close with a reset (SO_LINGER 0) once connected: no FIN exchange and no TIME_WAIT socket
  // per probe. For probes whose peer has nothing to lose by it (a bare connect check).
  bool reset_on_close = false;
  std::shared_ptr<TlsClientContext> tls;  // null: plain TCP
  TlsPeer tls_peer;
};

struct ExchangeOutcome {
  bool ok = false;     // false: transport failure, reason/detail say which
  std::string reason;  // "connect-refused", "tls-verify-failed", ...
  std::string detail;
  std::string received;
  bool eof = false;  // the peer closed before `complete` was satisfied
};

class Exchange {
 public:
  using Done = std::function<void(ExchangeOutcome)>;

  // `done` runs exactly once from the loop (never inside start) unless the Exchange is
  // destroyed first.
  static std::unique_ptr<Exchange> start(core::EventLoop& loop, const CheckTarget& target,
                                         ExchangeRequest request, Done done);
  // Whether this finished exchange's connection can carry another request: false once it
  // failed or saw the peer's close, or bytes arrived while it sat idle.
  bool reusable() const;
  // Sends another request on the open connection (and TLS session) of a reusable() exchange;
  // `done` as for start().
  void reuse(ExchangeRequest request, Done done);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

 private:
  enum class Phase { kConnecting, kHandshake, kSending, kReceiving, kFinished, kStale };

  Exchange(core::EventLoop& loop, ExchangeRequest request, Done done);
  void begin(const CheckTarget& target);
  void on_ready(uint32_t revents);
  void step();
  bool check_connected(uint32_t revents);
  void handle_io(const IoResult& io);
  void read_available();
  void finish(ExchangeOutcome outcome);
  void fail_later(std::string reason, std::string detail);

  core::EventLoop& loop_;
  ExchangeRequest request_;
  Done done_;
  bool starting_ = false;  // inside reuse(): a finish is reported from the loop, not at once
  int fd_ = -1;
  Phase phase_ = Phase::kConnecting;
  bool connected_ = false;
  std::unique_ptr<Transport> transport_;
  size_t sent_ = 0;
  std::string received_;
  core::Handle watch_;
  core::Handle deferred_;
};

}  // namespace hadirector::checkers::net
