// LibnlIpvsClient: IpvsClient over the kernel's "IPVS" generic-netlink family (libnl-genl-3),
// the interface ipvsadm uses. Requests are synchronous but bounded: every receive waits at most
// the timeout given to open(), so a stuck kernel reply cannot block a worker forever. The socket
// talks to the network namespace it was opened in. Message layout lives in ipvs_netlink_codec.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ipvs/ipvs_client.h"

struct nl_sock;
struct nl_msg;

namespace hadirector::ipvs {

class LibnlIpvsClient final : public IpvsClient {
 public:
  // Connects and resolves the IPVS family; resolving makes the kernel load ip_vs if it can.
  static core::Result<std::unique_ptr<LibnlIpvsClient>> open(
      std::chrono::milliseconds timeout = std::chrono::seconds(2));
  ~LibnlIpvsClient() override;
  LibnlIpvsClient(const LibnlIpvsClient&) = delete;
  LibnlIpvsClient& operator=(const LibnlIpvsClient&) = delete;

  core::Result<Info> get_info() override;
  core::Result<std::vector<ServiceInfo>> list_services() override;
  core::Result<ServiceInfo> get_service(const Service& key) override;
  core::Status add_service(const Service& service) override;
  core::Status edit_service(const Service& service) override;
  core::Status delete_service(const Service& key) override;
  core::Status flush() override;
  core::Result<std::vector<DestinationInfo>> list_destinations(const Service& key) override;
  core::Status add_destination(const Service& key, const Destination& dest) override;
  core::Status edit_destination(const Service& key, const Destination& dest) override;
  core::Status delete_destination(const Service& key, const Destination& dest) override;
  // Pipelined: up to kWindow requests go out in one send, then their acks are collected.
  std::vector<core::Status> apply(std::span<const Change> changes) override;
  core::Result<Timeouts> get_timeouts() override;
  core::Status set_timeouts(const Timeouts& timeouts) override;
  core::Status start_sync_daemon(const SyncDaemon& daemon) override;
  core::Status stop_sync_daemon(SyncState state) override;
  core::Result<std::vector<SyncDaemon>> list_sync_daemons() override;

 private:
  using Builder = std::function<core::Status(nl_msg*)>;
  using ReplyHandler = std::function<core::Status(nl_msg*)>;

  // Requests in flight at once. Each ack queues a small buffer in the socket's receive queue;
  // 64 of them stay well inside the default receive buffer, so none is dropped.
  static constexpr size_t kWindow = 64;

  LibnlIpvsClient(nl_sock* sock, int family) : sock_(sock), family_(family) {}
  // One change, waiting for its ack (the single-object methods).
  core::Status change(const Change& c);
  // Sends `changes` (at most kWindow) in one datagram and fills `results` from their acks.
  void apply_window(std::span<const Change> changes, std::span<core::Status> results);
  // Sends one request and reads replies until the ACK (or, for dumps, the end of the dump).
  // `what` names the operation and object for every error ("add service TCP 10.0.0.1:80").
  core::Status transact(std::uint8_t cmd, bool dump, const Builder& build,
                        const ReplyHandler& on_reply, const std::string& what);
  // transact() that parses every reply with `parse` and returns them in order.
  template <typename T>
  core::Result<std::vector<T>> collect(std::uint8_t cmd, bool dump, const Builder& build,
                                       const std::function<core::Result<T>(nl_msg*)>& parse,
                                       const std::string& what);

  nl_sock* sock_;
  int family_;
};

}  // namespace hadirector::ipvs
