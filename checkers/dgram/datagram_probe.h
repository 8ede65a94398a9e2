// One request/answer over a datagram socket (UDP, ICMP ping or raw ICMP): connects the socket
// the caller opened to the peer, sends one datagram and waits for the first datagram the caller
// accepts, an ICMP error reported on the socket (ECONNREFUSED, EHOSTUNREACH...) or, when asked,
// a quiet period without either. Driven by the EventLoop; it interprets no payload and has no
// timeout of its own beyond the quiet period (the CheckRunner cancels a probe that overruns).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "checkers/dgram/socket_address.h"
#include "checkers/probe_result.h"
#include "daemon/core/event_loop.h"
#include "daemon/core/unique_fd.h"

namespace hadirector::checkers::dgram {

struct DatagramRequest {
  std::string payload;
  // True when a received datagram is this probe's answer; others (stale, foreign) are dropped.
  std::function<bool(std::string_view datagram)> accept;
  // Finish with kQuiet after this long without an answer or an error (UDP expect_reply: false).
  std::optional<core::Duration> quiet_success;
  size_t max_datagram = 64 * 1024;
};

struct DatagramOutcome {
  enum class Kind { kAnswer, kQuiet, kError };
  Kind kind = Kind::kError;
  std::string answer;  // kAnswer: the accepted datagram
  int error = 0;       // kError: errno of the failed call
  std::string what;    // kError: "connect", "send", "recv", "watch"

  // "send: Connection refused".
  std::string error_text() const;
};

class DatagramProbe {
 public:
  using Done = std::function<void(DatagramOutcome)>;

  // `fd` is an open socket (or why it could not be opened, reported as a "socket" error); the
  // probe makes it non-blocking, asks for ICMP errors (IP_RECVERR/IPV6_RECVERR) and owns it.
  // `done` runs once from the loop, never inside start, unless the probe is destroyed first.
  static std::unique_ptr<DatagramProbe> start(core::EventLoop& loop,
                                              core::Result<core::UniqueFd> fd,
                                              const SocketAddress& peer, DatagramRequest request,
                                              Done done);
  ~DatagramProbe();
  DatagramProbe(const DatagramProbe&) = delete;
  DatagramProbe& operator=(const DatagramProbe&) = delete;

  int fd() const { return fd_.get(); }

 private:
  DatagramProbe(core::EventLoop& loop, core::UniqueFd fd, DatagramRequest request, Done done);
  void begin(const SocketAddress& peer);
  void on_ready();
  void finish(DatagramOutcome outcome);
  void fail_later(int error, std::string what);

  core::EventLoop& loop_;
  core::UniqueFd fd_;
  DatagramRequest request_;
  Done done_;
  std::string buffer_;
  core::Handle watch_;
  core::Handle timer_;
  core::Handle deferred_;
};

// socket(family, type | SOCK_CLOEXEC, protocol).
core::Result<core::UniqueFd> open_socket(int family, int type, int protocol);

// The failed probe for a kError outcome: ECONNREFUSED (ICMP port unreachable) is
// "port-unreachable", other errors take net::io_error's codes ("host-unreachable"...).
ProbeResult datagram_failure(const DatagramOutcome& outcome);

}  // namespace hadirector::checkers::dgram
