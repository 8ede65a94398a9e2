// Pipelined IPVS requests without a kernel (ipvs_netlink_batch.h): a batch is a run of complete
// requests, each flagged for an ack with its own sequence number and attributes that parse
// back to the change; acks are matched by sequence number and malformed ones are refused.
#include "ipvs/ipvs_netlink_batch.h"

#include <gtest/gtest.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <arpa/inet.h>

#include <cstring>
#include <optional>
#include <map>
#include <memory>

#include "ipvs/ipvs_netlink_codec.h"
#include "tests/unit/ipvs/reconciler_test_util.h"

namespace hadirector::ipvs {
namespace {

constexpr int kFamily = 0x21;

// One request of a batch, split back out of the bytes as the kernel's netlink_rcv_skb would.
struct Request {
  nlmsghdr hdr;
  std::uint8_t cmd;
  std::string bytes;
};

std::vector<Request> split(const std::string& batch) {
  std::vector<Request> out;
  size_t pos = 0;
  while (pos + sizeof(nlmsghdr) <= batch.size()) {
    Request r;
    std::memcpy(&r.hdr, batch.data() + pos, sizeof(nlmsghdr));
    EXPECT_GE(r.hdr.nlmsg_len, NLMSG_HDRLEN + GENL_HDRLEN);
    EXPECT_LE(pos + r.hdr.nlmsg_len, batch.size());
    r.bytes = batch.substr(pos, r.hdr.nlmsg_len);
    r.cmd = static_cast<std::uint8_t>(batch[pos + NLMSG_HDRLEN]);
    out.push_back(r);
    pos += NLMSG_ALIGN(r.hdr.nlmsg_len);
  }
  EXPECT_EQ(pos, batch.size());
  return out;
}

// The key fields a request carries (address, port; scheduler and weight when present), read
// raw: key-only requests (deletes) lack what the reply parser insists on.
struct Parsed {
  std::string service_addr;
  std::uint16_t service_port = 0;
  std::string scheduler;
  std::optional<std::string> dest_addr;
  std::optional<std::uint32_t> weight;
};

std::string addr_of(nlattr* a) {
  return a ? std::string(static_cast<const char*>(nla_data(a)), 4) : std::string();
}

Parsed parse(const Request& r) {
  auto* hdr = reinterpret_cast<nlmsghdr*>(const_cast<char*>(r.bytes.data()));
  nlattr* tb[IPVS_CMD_ATTR_MAX + 1] = {};
  EXPECT_EQ(genlmsg_parse(hdr, 0, tb, IPVS_CMD_ATTR_MAX, nullptr), 0);
  Parsed p;
  nlattr* svc[IPVS_SVC_ATTR_MAX + 1] = {};
  EXPECT_EQ(nla_parse_nested(svc, IPVS_SVC_ATTR_MAX, tb[IPVS_CMD_ATTR_SERVICE], nullptr), 0);
  p.service_addr = addr_of(svc[IPVS_SVC_ATTR_ADDR]);
  if (svc[IPVS_SVC_ATTR_PORT]) p.service_port = ntohs(nla_get_u16(svc[IPVS_SVC_ATTR_PORT]));
  if (svc[IPVS_SVC_ATTR_SCHED_NAME]) p.scheduler = nla_get_string(svc[IPVS_SVC_ATTR_SCHED_NAME]);
  if (tb[IPVS_CMD_ATTR_DEST]) {
    nlattr* d[IPVS_DEST_ATTR_MAX + 1] = {};
    EXPECT_EQ(nla_parse_nested(d, IPVS_DEST_ATTR_MAX, tb[IPVS_CMD_ATTR_DEST], nullptr), 0);
    p.dest_addr = addr_of(d[IPVS_DEST_ATTR_ADDR]);
    if (d[IPVS_DEST_ATTR_WEIGHT]) p.weight = nla_get_u32(d[IPVS_DEST_ATTR_WEIGHT]);
  }
  return p;
}

std::string raw(const char* addr) {
  const IpAddress a = *IpAddress::parse(addr);
  return std::string(reinterpret_cast<const char*>(a.bytes.data()), 4);
}

Service web() {
  Service s = tcp("192.0.2.10", 80);
  s.scheduler = "wrr";
  return s;
}

TEST(NetlinkBatch, RequestsAreCompleteFlaggedForAckAndNumbered) {
  const std::vector<Change> changes = {
      {OpKind::kAddService, web(), {}},
      {OpKind::kAddDestination, web(), dest("10.0.0.2", 3)},
      {OpKind::kEditDestination, web(), dest("10.0.0.3", 7)},
      {OpKind::kDeleteDestination, web(), dest("10.0.0.4", 0)},
      {OpKind::kDeleteService, web(), {}},
  };
  std::string batch;
  for (size_t i = 0; i < changes.size(); ++i)
    ASSERT_TRUE(codec::append_request(batch, kFamily, 100 + i, changes[i]));
  const auto requests = split(batch);
  ASSERT_EQ(requests.size(), changes.size());
  const std::uint8_t cmds[] = {IPVS_CMD_NEW_SERVICE, IPVS_CMD_NEW_DEST, IPVS_CMD_SET_DEST,
                               IPVS_CMD_DEL_DEST, IPVS_CMD_DEL_SERVICE};
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& r = requests[i];
    EXPECT_EQ(r.hdr.nlmsg_type, kFamily);
    EXPECT_EQ(r.hdr.nlmsg_seq, 100 + i);
    // Without NLM_F_REQUEST the kernel acks a message without acting on it.
    EXPECT_EQ(r.hdr.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
    EXPECT_EQ(r.cmd, cmds[i]) << i;
    const Parsed p = parse(r);
    EXPECT_EQ(p.service_addr, raw("192.0.2.10")) << i;
    EXPECT_EQ(p.service_port, 80) << i;
  }
  // Full attributes where the kernel needs them: the scheduler on add, the weight on edit;
  // deletes carry keys only.
  EXPECT_EQ(parse(requests[0]).scheduler, "wrr");
  EXPECT_EQ(parse(requests[1]).dest_addr, raw("10.0.0.2"));
  EXPECT_EQ(parse(requests[2]).weight, 7u);
  EXPECT_EQ(parse(requests[3]).dest_addr, raw("10.0.0.4"));
  EXPECT_FALSE(parse(requests[3]).weight);
  EXPECT_FALSE(parse(requests[4]).dest_addr);
  EXPECT_EQ(parse(requests[4]).scheduler, "");
}

// One scratch message for a whole batch (what LibnlIpvsClient does): each request comes out
// byte for byte as from a fresh message, a short delete after a long add included.
TEST(NetlinkBatch, AReusedScratchMessageBuildsTheSameRequests) {
  Service long_one = web();
  long_one.scheduler = "wlc";
  long_one.timeout = std::chrono::seconds(300);
  const std::vector<Change> changes = {
      {OpKind::kAddService, long_one, {}},
      {OpKind::kDeleteDestination, web(), dest("10.0.0.4", 0)},
      {OpKind::kAddDestination, web(), dest("10.0.0.2", 3)},
      {OpKind::kDeleteService, web(), {}},
  };
  std::string fresh, reused;
  std::unique_ptr<nl_msg, void (*)(nl_msg*)> scratch(nlmsg_alloc(), nlmsg_free);
  ASSERT_TRUE(scratch);
  for (size_t i = 0; i < changes.size(); ++i) {
    ASSERT_TRUE(codec::append_request(fresh, kFamily, 7 + i, changes[i]));
    ASSERT_TRUE(codec::append_request(reused, scratch.get(), kFamily, 7 + i, changes[i]));
  }
  EXPECT_EQ(reused, fresh);
  ASSERT_EQ(split(reused).size(), changes.size());
  EXPECT_EQ(parse(split(reused)[3]).scheduler, "");
}

TEST(NetlinkBatch, AFailedBuildLeavesTheBatchUntouched) {
  Service bad = web();
  bad.scheduler = std::string(100, 'x');  // longer than IP_VS_SCHEDNAME_MAXLEN
  std::string batch;
  ASSERT_TRUE(codec::append_request(batch, kFamily, 1, {OpKind::kAddService, web(), {}}));
  const std::string before = batch;
  auto failed = codec::append_request(batch, kFamily, 2, {OpKind::kAddService, bad, {}});
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message().find("add service TCP 192.0.2.10:80"), std::string::npos)
      << failed.error().message();
  EXPECT_EQ(batch, before);
}

TEST(NetlinkBatch, DescribeNamesOperationAndObject) {
  EXPECT_EQ(codec::describe({OpKind::kAddDestination, web(), dest("10.0.0.2", 3)}),
            "add destination 10.0.0.2:80 to TCP 192.0.2.10:80");
  EXPECT_EQ(codec::describe({OpKind::kEditDestination, web(), dest("10.0.0.2", 3)}),
            "edit destination 10.0.0.2:80 of TCP 192.0.2.10:80");
  EXPECT_EQ(codec::describe({OpKind::kDeleteDestination, web(), dest("10.0.0.2", 3)}),
            "delete destination 10.0.0.2:80 from TCP 192.0.2.10:80");
  EXPECT_EQ(codec::describe({OpKind::kDeleteService, web(), {}}), "delete service TCP 192.0.2.10:80");
}

// An ack as the kernel writes it: header, then struct nlmsgerr (error, echoed request header).
std::string ack(std::uint32_t seq, int error, std::uint16_t type = NLMSG_ERROR) {
  nlmsghdr hdr{};
  hdr.nlmsg_type = type;
  hdr.nlmsg_seq = seq;
  nlmsgerr err{};
  err.error = error;
  hdr.nlmsg_len = type == NLMSG_ERROR ? NLMSG_LENGTH(sizeof(err)) : NLMSG_LENGTH(4);
  std::string out(NLMSG_ALIGN(hdr.nlmsg_len), '\0');
  std::memcpy(out.data(), &hdr, sizeof(hdr));
  std::memcpy(out.data() + NLMSG_HDRLEN, &err, type == NLMSG_ERROR ? sizeof(err) : 4);
  return out;
}

std::map<std::uint32_t, int> acks_of(const std::string& datagram, core::Status* status = nullptr) {
  std::map<std::uint32_t, int> out;
  auto parsed = codec::parse_acks(datagram, [&](std::uint32_t seq, int err) { out[seq] = err; });
  if (status) *status = parsed;
  return out;
}

TEST(NetlinkBatch, AcksAreMatchedBySequenceWithTheirErrno) {
  const std::string datagram = ack(7, 0) + ack(8, -EEXIST) + ack(9, 0, NLMSG_DONE) + ack(10, -ENOENT);
  core::Status status;
  const auto acks = acks_of(datagram, &status);
  ASSERT_TRUE(status);
  EXPECT_EQ(acks, (std::map<std::uint32_t, int>{{7, 0}, {8, EEXIST}, {10, ENOENT}}));
}

TEST(NetlinkBatch, MalformedAcksAreProtocolErrors) {
  core::Status status;
  std::string too_long = ack(1, 0);
  too_long[0] = static_cast<char>(0xff);  // nlmsg_len beyond the datagram
  acks_of(too_long, &status);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), core::Errc::kProtocol);

  std::string short_error = ack(1, 0);
  nlmsghdr hdr;
  std::memcpy(&hdr, short_error.data(), sizeof(hdr));
  hdr.nlmsg_len = NLMSG_HDRLEN + 2;  // no room for the error code
  std::memcpy(short_error.data(), &hdr, sizeof(hdr));
  acks_of(short_error, &status);
  EXPECT_FALSE(status);

  acks_of(ack(1, 5), &status);  // a positive "errno"
  EXPECT_FALSE(status);

  std::string tiny_len = ack(1, 0);
  hdr.nlmsg_len = 4;
  std::memcpy(tiny_len.data(), &hdr, sizeof(hdr));
  acks_of(tiny_len, &status);
  EXPECT_FALSE(status);

  // A trailing fragment shorter than a header is ignored, as the kernel never sends one.
  const auto acks = acks_of(ack(3, 0) + "xx", &status);
  EXPECT_TRUE(status);
  EXPECT_EQ(acks.size(), 1u);
}

}  // namespace
}  // namespace hadirector::ipvs
