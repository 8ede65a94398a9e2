// Half-open (SYN) probes for bare tcp checks, shared by every check of one worker: one raw
// socket per family sends our SYNs in batches (one sendmmsg per loop iteration) and reads the
// answers in batches behind a BPF filter. SYN-ACK means a listener is there, RST that none is;
// the local kernel resets the half-open connection itself, as no socket owns our source port
// (an ordinary TCP socket bound to it, never listening, keeps every other use off it). The
// backend's application never sees an accepted connection. Needs CAP_NET_RAW.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <unordered_map>
#include <vector>

#include "checkers/dgram/socket_address.h"
#include "checkers/tcp/syn_segment.h"
#include "daemon/core/event_loop.h"
#include "daemon/core/unique_fd.h"

namespace hadirector::checkers::tcp {

class HalfOpenProber : public std::enable_shared_from_this<HalfOpenProber> {
 public:
  enum class Answer { kListening, kRefused, kSendFailed };
  class Client {
   public:
    // Called once per probe from the loop, unless cancelled first; `error` is errno for
    // kSendFailed; `at` is when the answer (or the failure) was seen, read once for a batch.
    // The probe is already forgotten: the client may start the next one.
    virtual void on_answer(Answer answer, int error, core::TimePoint at) = 0;

   protected:
    ~Client() = default;
  };
  struct Ticket {
    IpAddress peer;
    uint16_t port = 0;
    uint32_t sequence = 0;
    bool operator==(const Ticket&) const = default;
  };
  struct Counters {
    uint64_t sent = 0;
    uint64_t send_errors = 0;
    uint64_t answers = 0;    // matched a probe in flight
    uint64_t unmatched = 0;  // well-formed but for no probe in flight (late, or not ours)
    uint64_t malformed = 0;  // parse_segment dropped it
    uint64_t route_lookups = 0;
  };

  // The worker's prober (one per loop, made on first use, kept while a checker holds it).
  // Fails, with the errno of socket(), when raw sockets are not allowed (no CAP_NET_RAW).
  static core::Result<std::shared_ptr<HalfOpenProber>> for_loop(core::EventLoop& loop);
  ~HalfOpenProber();
  HalfOpenProber(const HalfOpenProber&) = delete;
  HalfOpenProber& operator=(const HalfOpenProber&) = delete;

  // Queues a SYN to `peer` (an address with its port), sent with the others of this loop
  // iteration. Fails at once only when the peer has no route or its family no raw socket.
  core::Result<Ticket> probe(const dgram::SocketAddress& peer, Client& client);
  // Forgets a probe: its client is never called; a late answer counts as unmatched.
  void cancel(const Ticket& ticket);

  const Counters& counters() const { return counters_; }
  size_t in_flight() const { return pending_.size(); }
  // The reserved source port of the family's probes (0 before its first probe).
  uint16_t source_port(bool v6) const;

 private:
  struct TicketHash {
    size_t operator()(const Ticket& t) const;
  };
  struct AddressHash {
    size_t operator()(const IpAddress& a) const;
  };
  struct Route {
    IpAddress source;
    core::TimePoint expires;
  };
  struct Outgoing {
    Ticket ticket;
    sockaddr_in6 to;  // large enough for either family
    socklen_t to_length;
    SynBytes segment;
  };
  struct Family {
    bool v6 = false;
    core::UniqueFd raw;      // sends SYNs, reads answers
    core::UniqueFd reserve;  // bound to `port`, never listening: keeps the port ours
    core::UniqueFd route;    // UDP, connected per route lookup
    uint16_t port = 0;
    core::Handle watch;
    std::vector<Outgoing> queue;
    std::vector<Outgoing> sending;  // the batch being sent; kept for its capacity
  };

  explicit HalfOpenProber(core::EventLoop& loop);
  core::Status open(Family& family);
  core::Result<IpAddress> source_for(Family& family, const IpAddress& peer,
                                     const dgram::SocketAddress& to);
  void flush();
  // Sends the family's queue. Send failures are reported at once, or (`defer_failures`, when
  // called from inside probe()) kept for the deferred flush: a client is never called from
  // inside another client's probe().
  void flush(Family& family, bool defer_failures);
  void report_failures();
  void receive(Family& family);
  void deliver(const Segment& segment, const IpAddress& from, core::TimePoint at);

  core::EventLoop& loop_;
  Family v4_, v6_;
  std::unordered_map<Ticket, Client*, TicketHash> pending_;
  std::unordered_map<IpAddress, Route, AddressHash> routes_;
  core::Handle flush_;
  std::vector<std::pair<Ticket, int>> failed_;
  bool flushing_ = false;  // send failures not reported yet, with errno
  std::mt19937 sequences_;
  Counters counters_;
};

}  // namespace hadirector::checkers::tcp
