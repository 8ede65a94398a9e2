#include "ipvs/libnl_ipvs_client.h"

#include <linux/ip_vs.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "ipvs/ipvs_netlink_batch.h"
#include "ipvs/ipvs_netlink_codec.h"

namespace hadirector::ipvs {
namespace {

using core::Errc;

// State shared with libnl's C callbacks during one request.
struct Exchange {
  const std::function<core::Status(nl_msg*)>* on_reply = nullptr;
  bool done = false;
  int kernel_errno = 0;
  std::optional<core::Error> reply_error;  // the first reply that did not parse
};

int on_valid(nl_msg* msg, void* arg) {
  auto* x = static_cast<Exchange*>(arg);
  if (*x->on_reply) {
    if (auto ok = (*x->on_reply)(msg); !ok && !x->reply_error) x->reply_error = ok.error();
  }
  // Keep reading even after a bad reply, so the rest of a dump does not linger in the socket.
  return NL_SKIP;
}

int on_finish(nl_msg*, void* arg) {
  static_cast<Exchange*>(arg)->done = true;
  return NL_STOP;
}

int on_error(sockaddr_nl*, nlmsgerr* err, void* arg) {
  auto* x = static_cast<Exchange*>(arg);
  x->kernel_errno = err->error < 0 ? -err->error : err->error;
  x->done = true;
  return NL_STOP;
}

struct CbDeleter {
  void operator()(nl_cb* cb) const { nl_cb_put(cb); }
};
struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};

core::Error libnl_error(int err, const std::string& what) {
  return core::Error(Errc::kSystem, what + ": " + nl_geterror(err));
}

}  // namespace

core::Result<std::unique_ptr<LibnlIpvsClient>> LibnlIpvsClient::open(
    std::chrono::milliseconds timeout) {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return core::fail_errno(ENOMEM, "allocate netlink socket");
  std::unique_ptr<nl_sock, void (*)(nl_sock*)> guard(sock, nl_socket_free);
  if (int err = genl_connect(sock); err < 0) {
    return std::unexpected(libnl_error(err, "connect generic netlink socket"));
  }
  // Acks are requested per message: dumps end with NLMSG_DONE, not an ack.
  nl_socket_disable_auto_ack(sock);
  nl_socket_enable_msg_peek(sock);
  const timeval tv{static_cast<time_t>(timeout.count() / 1000),
                   static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  if (setsockopt(nl_socket_get_fd(sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
    return core::fail_errno(errno, "set netlink receive timeout");
  }
  const int family = genl_ctrl_resolve(sock, IPVS_GENL_NAME);
  if (family < 0) {
    return core::fail(Errc::kUnsupported,
                      std::string("resolve generic netlink family IPVS (is ip_vs available?): ") +
                          nl_geterror(family));
  }
  guard.release();
  return std::unique_ptr<LibnlIpvsClient>(new LibnlIpvsClient(sock, family));
}

LibnlIpvsClient::~LibnlIpvsClient() { nl_socket_free(sock_); }

core::Status LibnlIpvsClient::transact(std::uint8_t cmd, bool dump, const Builder& build,
                                       const ReplyHandler& on_reply, const std::string& what) {
  std::unique_ptr<nl_msg, MsgDeleter> msg(nlmsg_alloc());
  if (!msg) return core::fail_errno(ENOMEM, what);
  if (genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family_, 0, dump ? NLM_F_DUMP : NLM_F_ACK,
                  cmd, IPVS_GENL_VERSION) == nullptr) {
    return core::fail(Errc::kInvalid, what + ": cannot build netlink header");
  }
  if (build) {
    if (auto ok = build(msg.get()); !ok) return std::unexpected(ok.error().wrap(what));
  }
  if (int err = nl_send_auto(sock_, msg.get()); err < 0) {
    return std::unexpected(libnl_error(err, what + ": send"));
  }
  // nl_socket_get_cb takes a reference: the clone is ours, the original's reference goes back.
  std::unique_ptr<nl_cb, CbDeleter> own(nl_socket_get_cb(sock_));
  std::unique_ptr<nl_cb, CbDeleter> cb(nl_cb_clone(own.get()));
  if (!cb) return core::fail_errno(ENOMEM, what);
  Exchange x;
  x.on_reply = &on_reply;
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &x);
  nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &x);
  nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_finish, &x);
  nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &x);
  while (!x.done) {
    const int n = nl_recvmsgs_report(sock_, cb.get());
    if (x.kernel_errno != 0) return core::fail_errno(x.kernel_errno, what);
    if (n < 0) return std::unexpected(libnl_error(n, what + ": receive"));
    // libnl reports a receive timeout (EAGAIN from SO_RCVTIMEO) as zero messages.
    if (n == 0 && !x.done) return core::fail(Errc::kTimeout, what + ": no reply from the kernel");
  }
  if (x.reply_error) return std::unexpected(x.reply_error->wrap(what));
  return {};
}

template <typename T>
core::Result<std::vector<T>> LibnlIpvsClient::collect(
    std::uint8_t cmd, bool dump, const Builder& build,
    const std::function<core::Result<T>(nl_msg*)>& parse, const std::string& what) {
  std::vector<T> out;
  auto ok = transact(
      cmd, dump, build,
      [&](nl_msg* m) -> core::Status {
        auto r = parse(m);
        if (!r) return std::unexpected(r.error());
        out.push_back(*r);
        return {};
      },
      what);
  if (!ok) return std::unexpected(ok.error());
  return out;
}

namespace {

// The single reply of a non-dump request.
template <typename T>
core::Result<T> only(core::Result<std::vector<T>> replies, const std::string& what) {
  if (!replies) return std::unexpected(replies.error());
  if (replies->size() != 1) {
    return core::fail(Errc::kProtocol,
                      what + ": " + std::to_string(replies->size()) + " replies, want 1");
  }
  return std::move(replies->front());
}

}  // namespace

core::Result<Info> LibnlIpvsClient::get_info() {
  const std::string what = "get IPVS info";
  return only(collect<Info>(IPVS_CMD_GET_INFO, false, nullptr, codec::parse_info_message, what),
              what);
}

core::Result<std::vector<ServiceInfo>> LibnlIpvsClient::list_services() {
  return collect<ServiceInfo>(IPVS_CMD_GET_SERVICE, true, nullptr, codec::parse_service_message,
                              "list services");
}

core::Result<ServiceInfo> LibnlIpvsClient::get_service(const Service& key) {
  const std::string what = "get service " + key.name();
  return only(
      collect<ServiceInfo>(
          IPVS_CMD_GET_SERVICE, false, [&](nl_msg* m) { return codec::put_service(m, key, false); },
          codec::parse_service_message, what),
      what);
}

core::Status LibnlIpvsClient::add_service(const Service& s) {
  return change({OpKind::kAddService, s, {}});
}

core::Status LibnlIpvsClient::edit_service(const Service& s) {
  return change({OpKind::kEditService, s, {}});
}

core::Status LibnlIpvsClient::delete_service(const Service& key) {
  return change({OpKind::kDeleteService, key, {}});
}

core::Status LibnlIpvsClient::flush() {
  return transact(IPVS_CMD_FLUSH, false, nullptr, nullptr, "flush IPVS table");
}

core::Result<std::vector<DestinationInfo>> LibnlIpvsClient::list_destinations(const Service& key) {
  return collect<DestinationInfo>(
      IPVS_CMD_GET_DEST, true, [&](nl_msg* m) { return codec::put_service(m, key, false); },
      [&](nl_msg* m) { return codec::parse_destination_message(m, key.family()); },
      "list destinations of " + key.name());
}

core::Status LibnlIpvsClient::add_destination(const Service& key, const Destination& d) {
  return change({OpKind::kAddDestination, key, d});
}

core::Status LibnlIpvsClient::edit_destination(const Service& key, const Destination& d) {
  return change({OpKind::kEditDestination, key, d});
}

core::Status LibnlIpvsClient::delete_destination(const Service& key, const Destination& d) {
  return change({OpKind::kDeleteDestination, key, d});
}

std::vector<core::Status> LibnlIpvsClient::apply(std::span<const Change> changes) {
  std::vector<core::Status> results(changes.size());
  for (size_t first = 0; first < changes.size(); first += kWindow) {
    const size_t n = std::min(kWindow, changes.size() - first);
    apply_window(changes.subspan(first, n), std::span(results).subspan(first, n));
  }
  return results;
}

void LibnlIpvsClient::apply_window(std::span<const Change> changes,
                                   std::span<core::Status> results) {
  // Sequence numbers come from libnl's counter, so later single requests never reuse them.
  std::string batch;
  std::vector<bool> waiting(changes.size(), false);
  size_t pending = 0;
  std::uint32_t first_seq = 0;
  std::unique_ptr<nl_msg, void (*)(nl_msg*)> scratch(nlmsg_alloc(), nlmsg_free);
  if (!scratch) {
    for (size_t i = 0; i < changes.size(); ++i)
      results[i] = core::fail_errno(ENOMEM, codec::describe(changes[i]));
    return;
  }
  for (size_t i = 0; i < changes.size(); ++i) {
    const std::uint32_t seq = nl_socket_use_seq(sock_);
    if (i == 0) first_seq = seq;
    if (auto ok = codec::append_request(batch, scratch.get(), family_, seq, changes[i]); !ok) {
      results[i] = std::unexpected(ok.error());
      continue;
    }
    waiting[i] = true;
    ++pending;
  }
  auto fail_waiting = [&](const core::Error& e) {
    for (size_t i = 0; i < changes.size(); ++i)
      if (waiting[i]) results[i] = std::unexpected(e.wrap(codec::describe(changes[i])));
  };
  const int fd = nl_socket_get_fd(sock_);
  if (pending > 0 && ::send(fd, batch.data(), batch.size(), 0) < 0)
    return fail_waiting(core::Error::from_errno(errno, "send"));
  std::string buf(64 * 1024, '\0');
  while (pending > 0) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return fail_waiting(core::Error(Errc::kTimeout, "no ack from the kernel"));
    if (n < 0) return fail_waiting(core::Error::from_errno(errno, "receive ack"));
    auto parsed = codec::parse_acks(std::string_view(buf.data(), static_cast<size_t>(n)),
                                    [&](std::uint32_t seq, int err) {
                                      const std::uint32_t i = seq - first_seq;
                                      if (i >= changes.size() || !waiting[i]) return;  // stale
                                      waiting[i] = false;
                                      --pending;
                                      if (err != 0)
                                        results[i] = core::fail_errno(err, codec::describe(changes[i]));
                                    });
    if (!parsed) return fail_waiting(parsed.error());
  }
}

core::Status LibnlIpvsClient::change(const Change& c) {
  return transact(
      codec::command_of(c.kind), false, [&](nl_msg* m) { return codec::put_change(m, c); },
      nullptr, codec::describe(c));
}

core::Result<Timeouts> LibnlIpvsClient::get_timeouts() {
  const std::string what = "get timeouts";
  return only(
      collect<Timeouts>(IPVS_CMD_GET_CONFIG, false, nullptr, codec::parse_timeouts_message, what),
      what);
}

core::Status LibnlIpvsClient::set_timeouts(const Timeouts& t) {
  return transact(
      IPVS_CMD_SET_CONFIG, false, [&](nl_msg* m) { return codec::put_timeouts(m, t); }, nullptr,
      "set timeouts");
}

core::Status LibnlIpvsClient::start_sync_daemon(const SyncDaemon& d) {
  return transact(
      IPVS_CMD_NEW_DAEMON, false, [&](nl_msg* m) { return codec::put_sync_daemon(m, d); }, nullptr,
      "start sync daemon " + std::string(sync_state_name(d.state)) + " on " + d.interface +
          " syncid " + std::to_string(d.sync_id));
}

core::Status LibnlIpvsClient::stop_sync_daemon(SyncState state) {
  return transact(
      IPVS_CMD_DEL_DAEMON, false, [&](nl_msg* m) { return codec::put_sync_state(m, state); },
      nullptr, "stop sync daemon " + std::string(sync_state_name(state)));
}

core::Result<std::vector<SyncDaemon>> LibnlIpvsClient::list_sync_daemons() {
  return collect<SyncDaemon>(IPVS_CMD_GET_DAEMON, true, nullptr, codec::parse_sync_daemon_message,
                             "list sync daemons");
}

}  // namespace hadirector::ipvs
