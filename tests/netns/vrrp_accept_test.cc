// VRRP accept mode (RFC 5798 §6.4.3) with the real hadirectord: a master with `accept: false`
// drops a client's ping and TCP to other ports on its VIPs (IPv4 and IPv6) while a virtual
// server's port on the VIP still reaches a listener; a reload to `accept: true` opens the VIPs;
// a clean stop removes the daemon's nftables table and leaves another table alone. Root only.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "tests/netns/vrrp_director_lab.h"

namespace hadirector::testing {
namespace {

constexpr auto kProbeTimeout = std::chrono::milliseconds(800);

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Fills `ss` from a numeric IPv4 or IPv6 address; returns its length.
socklen_t sockaddr_of(const std::string& addr, uint16_t port, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  EXPECT_EQ(inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr), 1) << addr;
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(port);
  return sizeof(sockaddr_in6);
}

bool wait_fd(int fd, short events) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(kProbeTimeout.count())) == 1;
}

// A TCP handshake from `ns` to addr:port completes in time (dropped SYNs: it does not).
bool tcp_connects(const std::string& ns, const std::string& addr, uint16_t port) {
  NetnsGuard guard(ns);
  sockaddr_storage ss;
  socklen_t len = sockaddr_of(addr, port, ss);
  Fd s(::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0));
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) return true;
  if (errno != EINPROGRESS || !wait_fd(s.fd, POLLOUT)) return false;
  int err = -1;
  socklen_t elen = sizeof err;
  ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &elen);
  return err == 0;
}

uint16_t inet_checksum(const uint8_t* data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (len % 2) sum += data[len - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

// An ICMP echo from `ns` to addr is answered in time (the machine has no ping binary).
bool echo_answered(const std::string& ns, const std::string& addr) {
  NetnsGuard guard(ns);
  sockaddr_storage ss;
  socklen_t len = sockaddr_of(addr, 0, ss);
  const bool v6 = ss.ss_family == AF_INET6;
  Fd s(::socket(ss.ss_family, SOCK_RAW | SOCK_NONBLOCK,
                v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP}));
  const uint16_t id = static_cast<uint16_t>(::getpid());
  uint8_t echo[16] = {v6 ? uint8_t{ICMP6_ECHO_REQUEST} : uint8_t{ICMP_ECHO},
                      0,
                      0,
                      0,
                      static_cast<uint8_t>(id >> 8),
                      static_cast<uint8_t>(id),
                      0,
                      1};
  if (!v6) {  // the kernel fills in the ICMPv6 checksum itself
    const uint16_t sum = inet_checksum(echo, sizeof echo);
    std::memcpy(echo + 2, &sum, 2);
  }
  if (::sendto(s.fd, echo, sizeof echo, 0, reinterpret_cast<sockaddr*>(&ss), len) < 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + kProbeTimeout;
  while (std::chrono::steady_clock::now() < deadline && wait_fd(s.fd, POLLIN)) {
    uint8_t buf[1500];
    ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    size_t off = v6 ? 0 : static_cast<size_t>(buf[0] & 0x0f) * 4;  // v4 raw: IP header first
    if (n < static_cast<ssize_t>(off + 8)) continue;
    const uint8_t reply = v6 ? uint8_t{ICMP6_ECHO_REPLY} : uint8_t{ICMP_ECHOREPLY};
    if (buf[off] == reply && buf[off + 4] == (id >> 8) && buf[off + 5] == (id & 0xff)) return true;
  }
  return false;
}

// A listener on every address of `ns` (both families), as a service behind the VIP would be.
int listen_on(const std::string& ns, uint16_t port) {
  NetnsGuard guard(ns);
  int s = ::socket(AF_INET6, SOCK_STREAM, 0);
  int off = 0, on = 1;
  ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  a.sin6_addr = in6addr_any;
  EXPECT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  EXPECT_EQ(::listen(s, 16), 0);
  return s;
}

std::string accept_yaml(bool accept) {
  const std::string a = accept ? "true" : "false";
  return "version: 1\nvrrp:\n  instances:\n"
         "    - {name: web, interface: eth0, vrid: 51, priority: 150, advert_interval: 100ms,"
         " accept: " +
         a +
         ", virtual_addresses: [192.0.2.100/24]}\n"
         "    - {name: web6, interface: eth0, vrid: 52, priority: 150, advert_interval: 100ms,"
         " accept: " +
         a +
         ", virtual_addresses: ['2001:db8::100/64']}\n"
         "virtual_servers:\n"
         "  - {name: app, address: '192.0.2.100:8080', protocol: tcp,"
         " real_servers: [{address: '198.51.100.11:8080'}]}\n"
         "  - {name: app6, address: '[2001:db8::100]:8080', protocol: tcp,"
         " real_servers: [{address: '[2001:db8:1::11]:8080'}]}\n";
}

class VrrpAccept : public DirectorLab {
 protected:
  // Director 1 runs the daemon; director 2's namespace is the client.
  std::string director() const { return ns_[0]; }
  std::string client() const { return ns_[1]; }
  bool has_table(const std::string& name) {
    return lab_.exec(director(), {"nft", "list", "table", "inet", name}).exit_code == 0;
  }
  nlohmann::json instance(DaemonHarness& d, const std::string& name) {
    const auto s = d.status();
    for (const auto& i : s["vrrp"]["instances"])
      if (i.value("name", "") == name) return i;
    ADD_FAILURE() << "no instance " << name << " in " << s.dump();
    return nlohmann::json::object();
  }
};

TEST_F(VrrpAccept, NonAcceptMasterTakesOnlyVirtualServicesUntilAReloadOpensTheVips) {
  HD_SKIP_UNLESS_ROOT();
  if (run_command({"nft", "--version"}).exit_code != 0)
    GTEST_SKIP() << "the nft binary is missing (package nftables, scripts/setup-deps.sh)";
  add_directors(2);
  lab_.exec_ok(director(), {"ip", "addr", "add", "2001:db8::1/64", "dev", "eth0"});
  lab_.exec_ok(client(), {"ip", "addr", "add", "2001:db8::2/64", "dev", "eth0"});
  // Someone else's table in the same namespace: the daemon must leave it as it is.
  lab_.exec_ok(director(), {"nft",
                            "add table inet accept_test_other; add chain inet "
                            "accept_test_other input { type filter hook input priority "
                            "10; policy accept; }; add rule inet accept_test_other input "
                            "counter"});
  Fd service(listen_on(director(), 8080));
  Fd other(listen_on(director(), 2222));

  DaemonHarness& d = daemon(1, accept_yaml(false));
  d.start();
  ASSERT_TRUE(eventually([&] {
    return has_address(1, "192.0.2.100/24") && has_address(1, "2001:db8::100/64");
  })) << d.log();
  ASSERT_TRUE(has_table("hadirector")) << d.log();
  EXPECT_TRUE(d.wait_log("accept mode: VIPs of instance(s) web, web6")) << d.log();
  auto web = instance(d, "web");
  EXPECT_EQ(web["accept"], false) << web.dump();
  EXPECT_EQ(web["accept_enforced"], true) << web.dump();

  for (const std::string vip : {"192.0.2.100", "2001:db8::100"}) {
    SCOPED_TRACE(vip);
    EXPECT_FALSE(echo_answered(client(), vip));
    EXPECT_FALSE(tcp_connects(client(), vip, 2222));
    EXPECT_TRUE(tcp_connects(client(), vip, 8080));  // the virtual service's port
  }
  // The director's own addresses are not VIPs: all open (the drops above are the filter's).
  EXPECT_TRUE(echo_answered(client(), "192.0.2.1"));
  EXPECT_TRUE(tcp_connects(client(), "2001:db8::1", 2222));

  d.write_config(accept_yaml(true));
  ASSERT_EQ(d.ctl({"reload"}).exit_code, 0) << d.log();
  EXPECT_TRUE(eventually([&] { return !has_table("hadirector"); })) << d.log();
  for (const std::string vip : {"192.0.2.100", "2001:db8::100"}) {
    SCOPED_TRACE(vip);
    EXPECT_TRUE(echo_answered(client(), vip));
    EXPECT_TRUE(tcp_connects(client(), vip, 2222));
  }
  web = instance(d, "web");
  EXPECT_EQ(web["accept"], true) << web.dump();
  EXPECT_EQ(web["accept_enforced"], true) << web.dump();

  // Closed again, then a clean stop removes the table; the other table is untouched throughout.
  d.write_config(accept_yaml(false));
  ASSERT_EQ(d.ctl({"reload"}).exit_code, 0) << d.log();
  ASSERT_TRUE(eventually([&] { return has_table("hadirector"); })) << d.log();
  EXPECT_FALSE(echo_answered(client(), "192.0.2.100"));
  d.signal(SIGTERM);
  ASSERT_TRUE(d.wait_exit(std::chrono::seconds(10)).has_value()) << d.log();
  EXPECT_FALSE(has_table("hadirector")) << d.log();
  EXPECT_TRUE(d.log().find("nftables table inet hadirector removed") != std::string::npos)
      << d.log();
  auto other_table = lab_.exec(director(), {"nft", "list", "table", "inet", "accept_test_other"});
  EXPECT_EQ(other_table.exit_code, 0);
  EXPECT_NE(other_table.out.find("priority filter + 10"), std::string::npos) << other_table.out;
}

}  // namespace
}  // namespace hadirector::testing
