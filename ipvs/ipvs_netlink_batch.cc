#include "ipvs/ipvs_netlink_batch.h"

#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <cstring>
#include <memory>

#include "ipvs/ipvs_netlink_codec.h"

namespace hadirector::ipvs::codec {

using core::Errc;

std::string describe(const Change& c) {
  const std::string svc = c.service.name();
  const std::string dst = c.destination.name();
  switch (c.kind) {
    case OpKind::kAddService:
      return "add service " + svc;
    case OpKind::kEditService:
      return "edit service " + svc;
    case OpKind::kDeleteService:
      return "delete service " + svc;
    case OpKind::kAddDestination:
      return "add destination " + dst + " to " + svc;
    case OpKind::kEditDestination:
      return "edit destination " + dst + " of " + svc;
    case OpKind::kDeleteDestination:
      return "delete destination " + dst + " from " + svc;
  }
  return "change?";
}

std::uint8_t command_of(OpKind kind) {
  switch (kind) {
    case OpKind::kAddService:
      return IPVS_CMD_NEW_SERVICE;
    case OpKind::kEditService:
      return IPVS_CMD_SET_SERVICE;
    case OpKind::kDeleteService:
      return IPVS_CMD_DEL_SERVICE;
    case OpKind::kAddDestination:
      return IPVS_CMD_NEW_DEST;
    case OpKind::kEditDestination:
      return IPVS_CMD_SET_DEST;
    case OpKind::kDeleteDestination:
      return IPVS_CMD_DEL_DEST;
  }
  return IPVS_CMD_UNSPEC;
}

core::Status put_change(nl_msg* msg, const Change& c) {
  switch (c.kind) {
    case OpKind::kAddService:
    case OpKind::kEditService:
      return put_service(msg, c.service, true);
    case OpKind::kDeleteService:
      return put_service(msg, c.service, false);
    case OpKind::kAddDestination:
    case OpKind::kEditDestination:
    case OpKind::kDeleteDestination:
      if (auto ok = put_service(msg, c.service, false); !ok) return ok;
      return put_destination(msg, c.destination, c.kind != OpKind::kDeleteDestination);
  }
  return {};
}

core::Status append_request(std::string& out, int family, std::uint32_t seq, const Change& c) {
  std::unique_ptr<nl_msg, void (*)(nl_msg*)> msg(nlmsg_alloc(), nlmsg_free);
  if (!msg) return core::fail_errno(ENOMEM, describe(c));
  return append_request(out, msg.get(), family, seq, c);
}

core::Status append_request(std::string& out, nl_msg* scratch, int family, std::uint32_t seq,
                            const Change& c) {
  // Emptied: libnl appends at nlmsg_len, and every byte up to it is written anew (padding
  // included), so what the previous request left beyond it is never sent.
  nlmsg_hdr(scratch)->nlmsg_len = NLMSG_HDRLEN;
  // Port 0: the kernel fills in the sender. NLM_F_REQUEST is what nl_send_auto would add;
  // without it the kernel acks the message without acting on it.
  if (genlmsg_put(scratch, 0, seq, family, 0, NLM_F_REQUEST | NLM_F_ACK, command_of(c.kind),
                  IPVS_GENL_VERSION) == nullptr)
    return core::fail(Errc::kInvalid, describe(c) + ": cannot build netlink header");
  if (auto ok = put_change(scratch, c); !ok) return std::unexpected(ok.error().wrap(describe(c)));
  const nlmsghdr* hdr = nlmsg_hdr(scratch);
  out.append(reinterpret_cast<const char*>(hdr), hdr->nlmsg_len);
  out.resize(out.size() + (NLMSG_ALIGN(hdr->nlmsg_len) - hdr->nlmsg_len), '\0');
  return {};
}

core::Status parse_acks(std::string_view datagram,
                        const std::function<void(std::uint32_t seq, int err)>& on_ack) {
  size_t pos = 0;
  while (datagram.size() - pos >= sizeof(nlmsghdr)) {
    nlmsghdr hdr;
    std::memcpy(&hdr, datagram.data() + pos, sizeof(hdr));
    if (hdr.nlmsg_len < sizeof(nlmsghdr) || hdr.nlmsg_len > datagram.size() - pos)
      return core::fail(Errc::kProtocol, "netlink message length " +
                                             std::to_string(hdr.nlmsg_len) + " at byte " +
                                             std::to_string(pos) + " is out of bounds");
    if (hdr.nlmsg_type == NLMSG_ERROR) {
      // The errno comes first; the echoed request after it is of no use here.
      std::int32_t error = 0;
      if (hdr.nlmsg_len < sizeof(nlmsghdr) + sizeof(error))
        return core::fail(Errc::kProtocol, "netlink ack too short for its error code");
      std::memcpy(&error, datagram.data() + pos + sizeof(nlmsghdr), sizeof(error));
      if (error > 0 || error < -4095)
        return core::fail(Errc::kProtocol, "netlink ack error " + std::to_string(error) +
                                               " is not a negative errno");
      on_ack(hdr.nlmsg_seq, -error);
    }
    pos += NLMSG_ALIGN(hdr.nlmsg_len);
    if (pos > datagram.size()) break;
  }
  return {};
}

}  // namespace hadirector::ipvs::codec
