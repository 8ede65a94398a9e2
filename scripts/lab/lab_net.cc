// The lab's real servers and clients in one small program (scripts/lab.sh). A C++ tool rather
// than a script because the lab runs under a software-emulated CPU, where starting Python costs
// seconds and a Python request loop would distort the timings it measures.
//   lab_net serve NAME ADDR PORT LAMEDUCK_MS   HTTP server answering with NAME (see serve())
//   lab_net loop HOST PORT INTERVAL_MS TIMEOUT_MS OUT   a new request every INTERVAL_MS
//   lab_net hold HOST PORT INTERVAL_MS TIMEOUT_MS OUT   one long-lived echo connection
// Not a general HTTP implementation: it reads one request head and answers HTTP/1.0.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_term(int) { g_stop = 1; }

double wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

long mono_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

sockaddr_in endpoint(const char* host, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    std::fprintf(stderr, "lab_net: bad IPv4 address %s\n", host);
    std::exit(2);
  }
  return a;
}

// --- server ----------------------------------------------------------------------------------

struct Conn {
  std::string in;
  bool echo = false;
};

std::string response(int status, const std::string& name, const std::string& body) {
  const char* reason = status == 200 ? "OK" : status == 503 ? "Service Unavailable" : "Not Found";
  return "HTTP/1.0 " + std::to_string(status) + " " + reason + "\r\nX-Server: " + name +
         "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// Answers a complete request head; returns false when the connection should close.
bool answer(int fd, Conn& c, const std::string& name, bool stopping) {
  const auto sp1 = c.in.find(' ');
  const auto sp2 = c.in.find(' ', sp1 + 1);
  const std::string path = sp1 == std::string::npos ? "" : c.in.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string out;
  if (path == "/echo") {
    out = "HTTP/1.0 200 OK\r\nX-Server: " + name + "\r\n\r\n";
    c.echo = true;
    c.in.erase(0, c.in.find("\r\n\r\n") + 4);
    out += c.in;  // lines sent together with the head
    c.in.clear();
  } else if (path == "/healthz") {
    out = stopping ? response(503, name, "stopping\n") : response(200, name, "ok\n");
  } else {
    out = response(200, name, name + "\n");
  }
  // Replies are small and the socket buffer empty: one blocking send suffices.
  return send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size()) &&
         c.echo;
}

bool on_readable(int fd, Conn& c, const std::string& name, bool stopping) {
  char buf[4096];
  const ssize_t n = recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return false;
  if (c.echo) return send(fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) == n;
  c.in.append(buf, static_cast<size_t>(n));
  if (c.in.size() > 16384) return false;
  if (c.in.find("\r\n\r\n") == std::string::npos) return true;
  return answer(fd, c, name, stopping);
}

int listen_on(const char* addr, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = endpoint(addr, port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 256) != 0) {
    std::fprintf(stderr, "lab_net: listen on %s:%d: %s\n", addr, port, std::strerror(errno));
    std::exit(1);
  }
  return fd;
}

// SIGTERM stops the way a rolling deploy does: /healthz fails at once while requests are still
// served, and the process exits LAMEDUCK_MS later, once the directors' checks took it out.
int serve(const std::string& name, const char* addr, int port, long lameduck_ms) {
  const int lfd = listen_on(addr, port);
  std::map<int, Conn> conns;
  long stop_at = -1;
  std::printf("%s: serving on %s:%d\n", name.c_str(), addr, port);
  std::fflush(stdout);
  while (stop_at < 0 || mono_ms() < stop_at) {
    if (g_stop && stop_at < 0) stop_at = mono_ms() + lameduck_ms;
    std::vector<pollfd> fds{{lfd, POLLIN, 0}};
    for (auto& [fd, c] : conns) fds.push_back({fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      const int cfd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      if (cfd >= 0) conns[cfd] = Conn{};
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      if (!on_readable(fds[i].fd, conns[fds[i].fd], name, stop_at >= 0)) {
        close(fds[i].fd);
        conns.erase(fds[i].fd);
      }
    }
  }
  std::printf("%s: stopped\n", name.c_str());
  return 0;
}

// --- clients ---------------------------------------------------------------------------------

const char* error_name(int err) {
  switch (err) {
    case ECONNREFUSED:
      return "refused";
    case ECONNRESET:
      return "reset";
    case EHOSTUNREACH:
      return "unreachable";
    case ETIMEDOUT:
      return "timeout";
    default:
      return "error";
  }
}

// One HTTP/1.0 GET / in flight: the loop keeps many, so a request lost in a failover delays no
// other and the longest time without a reply is measured to within the request interval.
struct Request {
  int fd = -1;
  double start = 0;
  long deadline = 0;
  bool sent = false;
  std::string in;
};

std::string parse_reply(const std::string& in) {
  if (in.compare(0, 13, "HTTP/1.0 200 ") != 0) return "ERR:status";
  const auto body = in.find("\r\n\r\n");
  std::string name = body == std::string::npos ? "" : in.substr(body + 4);
  while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
  return name.empty() ? "ERR:empty" : name;
}

// Advances r on a poll event; returns the result once it is finished, "" while pending.
std::string progress(Request& r) {
  if (!r.sent) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(r.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return std::string("ERR:") + error_name(err);
    const char req[] = "GET / HTTP/1.0\r\nHost: lab\r\n\r\n";
    if (send(r.fd, req, sizeof req - 1, MSG_NOSIGNAL) != sizeof req - 1)
      return std::string("ERR:") + error_name(errno);
    r.sent = true;
    return "";
  }
  char buf[2048];
  const ssize_t n = recv(r.fd, buf, sizeof buf, 0);
  if (n < 0) return errno == EAGAIN ? "" : std::string("ERR:") + error_name(errno);
  if (n == 0) return parse_reply(r.in);
  r.in.append(buf, static_cast<size_t>(n));
  return "";
}

Request start_request(const sockaddr_in& to, long timeout_ms) {
  Request r;
  r.start = wall_now();
  r.deadline = mono_ms() + timeout_ms;
  r.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  connect(r.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);  // EINPROGRESS
  return r;
}

// Starts a request every interval_ms (open loop, at most 64 in flight) and writes
// "START END RESULT" per finished request, in the order they finish.
int loop(const sockaddr_in& to, long interval_ms, long timeout_ms, FILE* out) {
  std::vector<Request> live;
  long next = mono_ms();
  while (!g_stop) {
    long now = mono_ms();
    if (now >= next && live.size() < 64) {
      live.push_back(start_request(to, timeout_ms));
      next = std::max(next + interval_ms, now);
    }
    long wait = next - now;
    std::vector<pollfd> fds;
    for (const auto& r : live) {
      fds.push_back({r.fd, static_cast<short>(r.sent ? POLLIN : POLLOUT), 0});
      wait = std::min(wait, r.deadline - now);
    }
    poll(fds.data(), fds.size(), static_cast<int>(std::max(wait, 0L)));
    now = mono_ms();
    for (size_t i = live.size(); i-- > 0;) {
      std::string result = fds[i].revents ? progress(live[i]) : "";
      if (result.empty() && now >= live[i].deadline) result = "ERR:timeout";
      if (result.empty()) continue;
      std::fprintf(out, "%.4f %.4f %s\n", live[i].start, wall_now(), result.c_str());
      close(live[i].fd);
      live.erase(live.begin() + static_cast<long>(i));
    }
    std::fflush(out);
  }
  for (auto& r : live) close(r.fd);
  return 0;
}

// Sends "SEQ\n" every interval_ms on one connection and waits for its echo; TCP retransmits
// across a failover, so only a reset or timeout_ms of silence ends it.
int hold(const sockaddr_in& to, long interval_ms, long timeout_ms, FILE* out) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const char req[] = "GET /echo HTTP/1.0\r\nHost: lab\r\n\r\n";
  char buf[512];
  ssize_t n = -1;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 ||
      send(fd, req, sizeof req - 1, MSG_NOSIGNAL) < 0 || (n = recv(fd, buf, sizeof buf, 0)) <= 0) {
    std::fprintf(out, "ERR %s\n", n == 0 ? "closed" : error_name(errno));
    return 1;
  }
  const std::string head(buf, static_cast<size_t>(n));
  const auto at = head.find("X-Server: ");
  const std::string server =
      at == std::string::npos ? "?" : head.substr(at + 10, head.find("\r\n", at) - at - 10);
  sockaddr_in local{};
  socklen_t len = sizeof local;
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  std::fprintf(out, "SERVER %s %d\n", server.c_str(), ntohs(local.sin_port));
  std::fflush(out);
  for (long seq = 1; !g_stop; ++seq) {
    const std::string line = std::to_string(seq) + "\n";
    std::string got;
    if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) < 0) break;
    while (got.find('\n') == std::string::npos && (n = recv(fd, buf, sizeof buf, 0)) > 0)
      got.append(buf, static_cast<size_t>(n));
    if (got != line) break;
    std::fprintf(out, "%.4f %ld\n", wall_now(), seq);
    std::fflush(out);
    usleep(static_cast<useconds_t>(interval_ms * 1000));
  }
  if (!g_stop) std::fprintf(out, "ERR %s\n", n == 0 ? "closed" : error_name(errno));
  close(fd);
  return g_stop ? 0 : 1;
}

int usage() {
  std::fprintf(stderr,
               "usage: lab_net serve NAME ADDR PORT LAMEDUCK_MS\n"
               "       lab_net loop|hold HOST PORT INTERVAL_MS TIMEOUT_MS OUT\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // No SA_RESTART: SIGTERM must interrupt a blocking recv() of hold.
  struct sigaction sa {};
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "serve" && argc == 6)
    return serve(argv[2], argv[3], std::atoi(argv[4]), std::atol(argv[5]));
  if ((cmd != "loop" && cmd != "hold") || argc != 7) return usage();
  const sockaddr_in to = endpoint(argv[2], std::atoi(argv[3]));
  FILE* out = std::fopen(argv[6], "w");
  if (!out) {
    std::fprintf(stderr, "lab_net: %s: %s\n", argv[6], std::strerror(errno));
    return 1;
  }
  const long interval = std::atol(argv[4]), timeout = std::atol(argv[5]);
  const int rc =
      cmd == "loop" ? loop(to, interval, timeout, out) : hold(to, interval, timeout, out);
  std::fclose(out);
  return rc;
}
