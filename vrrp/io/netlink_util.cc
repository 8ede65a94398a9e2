#include "vrrp/io/netlink_util.h"

#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <cerrno>

namespace hadirector::vrrp {
namespace {

struct AckState {
  int error = 0;
  bool done = false;
};

int on_error(sockaddr_nl*, nlmsgerr* err, void* arg) {
  auto* state = static_cast<AckState*>(arg);
  state->error = -err->error;
  state->done = true;
  return NL_STOP;
}

int on_ack(nl_msg*, void* arg) {
  static_cast<AckState*>(arg)->done = true;
  return NL_STOP;
}

}  // namespace

void NlSockDeleter::operator()(nl_sock* sock) const { nl_socket_free(sock); }

core::Result<NlSock> connect_rtnetlink(const std::string& what) {
  NlSock sock(nl_socket_alloc());
  if (!sock) return core::fail_errno(ENOMEM, what + ": allocate netlink socket");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0)
    return std::unexpected(libnl_error(err, what + ": connect rtnetlink"));
  return sock;
}

int netlink_transact(nl_sock* sock, nl_msg* msg) {
  int sent = nl_send_auto(sock, msg);
  nlmsg_free(msg);
  if (sent < 0) return EIO;
  // nl_socket_get_cb takes a reference on the socket's callbacks: give it back, or they
  // outlive the socket (LeakSanitizer found one per socket).
  nl_cb* own = nl_socket_get_cb(sock);
  nl_cb* cb = nl_cb_clone(own);
  nl_cb_put(own);
  if (!cb) return ENOMEM;
  AckState state;
  nl_cb_err(cb, NL_CB_CUSTOM, on_error, &state);
  nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &state);
  while (!state.done) {
    // libnl also returns an error after our error callback stopped it: keep the kernel's.
    if (int err = nl_recvmsgs(sock, cb); err < 0) {
      if (!state.done) state.error = EIO;
      break;
    }
  }
  nl_cb_put(cb);
  return state.error;
}

core::Error libnl_error(int nl_err, const std::string& what) {
  core::Errc code = core::Errc::kProtocol;
  if (nl_err == -NLE_OBJ_NOTFOUND || nl_err == -NLE_NODEV) code = core::Errc::kNotFound;
  if (nl_err == -NLE_PERM) code = core::Errc::kSystem;
  return core::Error(code, what + ": " + nl_geterror(nl_err), nl_err == -NLE_PERM ? EPERM : 0);
}

}  // namespace hadirector::vrrp
