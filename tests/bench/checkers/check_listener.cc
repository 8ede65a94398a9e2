// The real servers of the checker benchmark: one process, one epoll, thousands of listening
// TCP ports on one address. It records when each port is probed, so a checker's schedule is
// measured from the outside: per real server, the time between consecutive probes minus the
// check interval is that probe's lateness. "tcp" ports accept and close, and their probes are
// the SYNs a packet socket on lo sees (a half-open probe is never accepted; a connect probe's SYN
// is its start just the same); "http" ports count requests and answer 200, keeping the connection
// open when the request asks for it (HTTP/1.1 without "Connection: close").
// Prints one JSON object on stdout at the end.
//   usage: bench_check_listener ADDRESS TCP_PORT0 TCP_COUNT HTTP_PORT0 HTTP_COUNT
//          INTERVAL_MS WARMUP_S DURATION_S [LINGER_S [TAP_INTERFACE]]
// TAP_INTERFACE (default lo) is where the SYNs arrive. It prints "ready" on stderr once every port listens. Benchmark code: no fuzzing, no
// hostility expected, but a peer that misbehaves only loses its connection.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

constexpr uint64_t kConnTag = uint64_t{1} << 63;
constexpr std::string_view kCloseReply =
    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: "
    "close\r\n\r\nok";
constexpr std::string_view kKeepReply =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

struct Conn {
  int slot = 0;      // the http port's index
  std::string head;  // request bytes so far
};

// As a web server would: an HTTP/1.1 request without "Connection: close" keeps the connection.
bool wants_keep_alive(std::string head) {
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t eol = head.find("\r\n");
  return head.substr(0, eol).ends_with("http/1.1") &&
         head.find("\r\nconnection: close") == std::string::npos;
}

struct Kind {
  const char* name;
  std::vector<int64_t> last_ns;      // per port: last accept time, 0 = none yet
  std::vector<int64_t> lateness_us;  // one per probe inside the window
  std::vector<uint32_t> probes;      // per port: probes inside the window
  int64_t early = 0;                 // probes that came sooner than the interval
};

struct Listener {
  std::vector<int> fds;      // listening sockets, tcp ports first
  std::vector<int> kind_of;  // 0 tcp, 1 http
  std::vector<int> slot_of;  // index within its kind
};

int listen_on(const in_addr& address, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr = address;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 256) != 0) {
    std::perror(("listen on port " + std::to_string(port)).c_str());
    std::exit(2);
  }
  return fd;
}

// A packet socket on `interface` that sees the SYNs (without ACK) to ADDRESS on ports
// [port0, port0 + count). A packet socket bound to one protocol runs its filter before it copies
// anything, so the other packets cost whoever receives them (on lo, the checker, whose softirq
// delivers them) one short filter run each; a raw TCP socket would clone every TCP packet first.
int syn_tap(const char* interface, const in_addr& address, int port0, int count) {
  // Protocol 0: the socket receives nothing until bind(), after the filter is on (a socket
  // made with ETH_P_IP receives at once, unfiltered, from every interface).
  const int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::perror("packet socket for the tcp ports' SYNs");
    std::exit(2);
  }
  const uint32_t first = static_cast<uint32_t>(port0), last = first + count - 1;
  sock_filter program[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),  // protocol
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 9),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16),  // destination address
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(address.s_addr), 0, 7),
      BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
      BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),  // destination port
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, first, 0, 4),
      BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, last, 3, 0),
      BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13),  // flags: SYN, no ACK
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, 0),
      BPF_STMT(BPF_RET | BPF_K, 64),
  };
  const sock_fprog fprog{sizeof program / sizeof program[0], program};
  const int big = 4 << 20;
  sockaddr_ll at{};
  at.sll_family = AF_PACKET;
  at.sll_protocol = htons(ETH_P_IP);
  at.sll_ifindex = static_cast<int>(if_nametoindex(interface));
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big) != 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) {
    std::perror((std::string("SYN tap on ") + interface).c_str());
    std::exit(2);
  }
  return fd;
}

int64_t window_end = INT64_MAX;  // set once the measuring window is over

void record(Kind& kind, int slot, int64_t t, int64_t interval_ns, int64_t window_start) {
  if (t >= window_end) return;
  int64_t& last = kind.last_ns[slot];
  if (t >= window_start && last != 0) {
    const int64_t late = (t - last) - interval_ns;
    if (late < 0) ++kind.early;
    kind.lateness_us.push_back(std::max<int64_t>(late, 0) / 1000);
    ++kind.probes[slot];
  }
  last = t;
}

double percentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return -1;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return static_cast<double>(v[i]) / 1000.0;
}

void print_kind(Kind& k, double seconds, bool last) {
  size_t servers = 0;
  for (uint32_t n : k.probes) servers += n > 0;
  const double count = static_cast<double>(k.lateness_us.size());
  const double p50 = percentile(k.lateness_us, 0.50);
  const double p99 = percentile(k.lateness_us, 0.99);
  const double max =
      k.lateness_us.empty()
          ? -1
          : static_cast<double>(*std::max_element(k.lateness_us.begin(), k.lateness_us.end())) /
                1000.0;
  std::printf(
      "  \"%s\": {\"ports\": %zu, \"servers_probed\": %zu, \"probes\": %.0f, "
      "\"probes_per_s\": %.1f, \"late_p50_ms\": %.2f, \"late_p99_ms\": %.2f, "
      "\"late_max_ms\": %.2f, \"early\": %lld}%s\n",
      k.name, k.last_ns.size(), servers, count, count / seconds, p50, p99, max,
      static_cast<long long>(k.early), last ? "" : ",");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 9 || argc > 11) {
    std::fprintf(stderr,
                 "usage: %s ADDRESS TCP_PORT0 TCP_COUNT HTTP_PORT0 HTTP_COUNT INTERVAL_MS "
                 "WARMUP_S DURATION_S [LINGER_S [TAP_INTERFACE]]\n",
                 argv[0]);
    return 2;
  }
  in_addr address{};
  if (inet_pton(AF_INET, argv[1], &address) != 1) return 2;
  const int tcp0 = std::atoi(argv[2]), tcp_n = std::atoi(argv[3]);
  const int http0 = std::atoi(argv[4]), http_n = std::atoi(argv[5]);
  const int64_t interval_ns = std::atoll(argv[6]) * 1'000'000;
  const int64_t warmup_ns = std::atoll(argv[7]) * 1'000'000'000;
  const int64_t duration_ns = std::atoll(argv[8]) * 1'000'000'000;
  // Keeps serving, unmeasured, after the window: a profiler that attaches slowly (perf under
  // TCG) still sees the checker in its steady state, not every probe failing.
  const int64_t linger_ns = argc >= 10 ? std::atoll(argv[9]) * 1'000'000'000 : 0;
  const char* tap_interface = argc == 11 ? argv[10] : "lo";

  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;  // the parent raised the hard limit where it could
  setrlimit(RLIMIT_NOFILE, &nofile);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  Kind kinds[2] = {{"tcp", {}, {}, {}, 0}, {"http", {}, {}, {}, 0}};
  kinds[0].last_ns.assign(tcp_n, 0);
  kinds[0].probes.assign(tcp_n, 0);
  kinds[1].last_ns.assign(http_n, 0);
  kinds[1].probes.assign(http_n, 0);
  Listener l;
  for (int k = 0; k < 2; ++k) {
    const int base = k == 0 ? tcp0 : http0, n = k == 0 ? tcp_n : http_n;
    for (int i = 0; i < n; ++i) {
      const int fd = listen_on(address, base + i);
      epoll_event ev{EPOLLIN, {}};
      ev.data.u64 = l.fds.size();
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      l.fds.push_back(fd);
      l.kind_of.push_back(k);
      l.slot_of.push_back(i);
    }
  }
  const int tap = syn_tap(tap_interface, address, tcp0, tcp_n);
  constexpr uint64_t kTapTag = kConnTag - 1;
  epoll_event tap_ev{EPOLLIN, {}};
  tap_ev.data.u64 = kTapTag;
  epoll_ctl(ep, EPOLL_CTL_ADD, tap, &tap_ev);
  std::fprintf(stderr, "ready\n");
  tms cpu_before{};
  const int64_t start = now_ns();
  const int64_t window_start = start + warmup_ns, end = window_start + duration_ns;
  bool in_window = false;
  std::unordered_map<int, Conn> conns;  // http connections
  epoll_event events[256];
  tms cpu_after{};
  bool measured = false;
  for (;;) {
    const int64_t t_loop = now_ns();
    if (!measured && t_loop >= end) {
      measured = true;
      times(&cpu_after);
      window_end = end;  // record() counts nothing from here on
    }
    if (t_loop >= end + linger_ns) break;
    if (!in_window && t_loop >= window_start) {
      in_window = true;
      times(&cpu_before);
    }
    const int n = epoll_wait(ep, events, 256,
                             static_cast<int>((end + linger_ns - t_loop) / 1'000'000) + 1);
    for (int e = 0; e < n; ++e) {
      const uint64_t tag = events[e].data.u64;
      if (tag == kTapTag) {
        unsigned char pkt[64];
        ssize_t got;
        while ((got = recv(tap, pkt, sizeof pkt, 0)) >= 24) {
          const size_t ihl = (pkt[0] & 0x0Fu) * 4u;
          if (static_cast<size_t>(got) < ihl + 4) continue;
          const int port = pkt[ihl + 2] << 8 | pkt[ihl + 3];
          if (port < tcp0 || port >= tcp0 + tcp_n) continue;  // the filter's job; be sure
          record(kinds[0], port - tcp0, now_ns(), interval_ns, window_start);
        }
        continue;
      }
      if (tag & kConnTag) {
        const int fd = static_cast<int>(tag & ~kConnTag);
        char buf[2048];
        const ssize_t got = read(fd, buf, sizeof buf);
        Conn& conn = conns[fd];
        if (got > 0) conn.head.append(buf, static_cast<size_t>(got));
        if (got > 0 && conn.head.find("\r\n\r\n") == std::string::npos && conn.head.size() < 8192)
          continue;
        bool keep = false;
        if (got > 0) {  // one request (checkers do not pipeline): count it, answer it
          record(kinds[1], conn.slot, now_ns(), interval_ns, window_start);
          keep = wants_keep_alive(conn.head);
          const std::string_view reply = keep ? kKeepReply : kCloseReply;
          (void)!write(fd, reply.data(), reply.size());
          conn.head.clear();
        }
        if (!keep) {
          conns.erase(fd);
          close(fd);
        }
        continue;
      }
      const int lfd = l.fds[tag];
      const int kind = l.kind_of[tag];
      for (;;) {
        const int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        if (kind == 0) {  // counted by its SYN
          close(fd);
          continue;
        }
        conns[fd] = Conn{l.slot_of[tag], {}};  // counted per request, kept-alive or not
        epoll_event ev{EPOLLIN | EPOLLRDHUP, {}};
        ev.data.u64 = kConnTag | static_cast<uint64_t>(fd);
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      }
    }
  }
  const double seconds = static_cast<double>(duration_ns) / 1e9;
  const double cpu_s = static_cast<double>((cpu_after.tms_utime + cpu_after.tms_stime) -
                                           (cpu_before.tms_utime + cpu_before.tms_stime)) /
                       static_cast<double>(sysconf(_SC_CLK_TCK));
  std::printf("{\n  \"window_s\": %.1f, \"listener_cpu_pct\": %.1f,\n", seconds,
              100.0 * cpu_s / seconds);
  print_kind(kinds[0], seconds, false);
  print_kind(kinds[1], seconds, true);
  std::printf("}\n");
  return 0;
}
