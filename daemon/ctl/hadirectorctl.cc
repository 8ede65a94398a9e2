// hadirectorctl: the operator's client for hadirectord's control socket. Sends one JSON request
// per invocation and prints the reply as a table (or raw JSON with --json). Exit codes:
// 0 success, 1 the daemon refused or reported failure, 2 usage error, 3 no daemon to talk to.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

constexpr int kOk = 0, kFailed = 1, kUsage = 2, kUnreachable = 3;

const char kUsageText[] =
    "usage: hadirectorctl [-s SOCKET] COMMAND\n"
    "\n"
    "commands:\n"
    "  status [--json]     processes, configuration generation, VRRP instances, servers\n"
    "  reload              reload the configuration; prints the errors if it is invalid\n"
    "  drain VS RS         take real server RS of virtual server VS out of rotation\n"
    "  enable VS RS        put it back\n"
    "  events [--since N]  follow VRRP transitions and real-server changes (JSON lines)\n"
    "\n"
    "  -s, --socket SOCKET control socket (default /run/hadirector/control.sock)\n";

class Connection {
 public:
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool open(const std::string& path, std::string& error) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
      error = "socket path too long";
      return false;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
      error = std::string(std::strerror(errno));
      return false;
    }
    return true;
  }
  bool send(const json& request) {
    std::string line = request.dump() + "\n";
    size_t off = 0;
    while (off < line.size()) {
      ssize_t n = ::send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Next reply line; false at end of stream or after timeout_ms (-1: wait forever).
  bool read_line(std::string& line, int timeout_ms) {
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return true;
      }
      pollfd p{fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, timeout_ms);
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0) return false;
      char chunk[65536];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

std::string fmt_seconds(double s) {
  char b[32];
  if (s < 120) std::snprintf(b, sizeof b, "%.1fs", s);
  else if (s < 7200) std::snprintf(b, sizeof b, "%.0fm", s / 60);
  else std::snprintf(b, sizeof b, "%.1fh", s / 3600);
  return b;
}

std::string str(const json& j, const char* key) {
  if (!j.contains(key)) return "-";
  const auto& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

void print_status(const json& s) {
  std::printf("hadirectord: generation %s, %s\n", str(s, "generation").c_str(),
              s.value("ready", false) ? "ready" : "starting");
  std::printf("\n%-12s %8s %9s %9s\n", "PROCESS", "PID", "RESTARTS", "UPTIME");
  for (const auto& p : s.value("processes", json::array())) {
    std::printf("%-12s %8s %9s %9s\n", str(p, "name").c_str(),
                p.value("running", true) ? str(p, "pid").c_str() : "down",
                str(p, "restarts").c_str(), fmt_seconds(p.value("uptime_s", 0.0)).c_str());
  }
  auto instances = s.value("vrrp", json::object()).value("instances", json::array());
  if (!instances.empty()) {
    std::printf("\n%-16s %-7s %5s %5s %5s %s\n", "VRRP INSTANCE", "STATE", "PRIO", "EFF", "VRID",
                "INTERFACE");
    for (const auto& i : instances)
      std::printf("%-16s %-7s %5s %5s %5s %s\n", str(i, "name").c_str(), str(i, "state").c_str(),
                  str(i, "priority").c_str(), str(i, "effective_priority").c_str(),
                  str(i, "vrid").c_str(), str(i, "interface").c_str());
  }
  for (const auto& vs : s.value("virtual_servers", json::array())) {
    std::printf("\nvirtual server %s %s %s\n", str(vs, "name").c_str(),
                str(vs, "protocol").c_str(), str(vs, "address").c_str());
    for (const auto& rs : vs.value("real_servers", json::array()))
      std::printf("  %-40s weight %-6s %s\n", str(rs, "address").c_str(),
                  str(rs, "weight").c_str(), str(rs, "state").c_str());
  }
  if (s.contains("unanswered"))
    std::printf("\nwarning: no answer from %s\n", s["unanswered"].dump().c_str());
}

int fail_reply(const json& reply) {
  std::fprintf(stderr, "hadirectorctl: %s\n", reply.value("error", "request failed").c_str());
  for (const auto& e : reply.value("errors", json::array()))
    std::fprintf(stderr, "  %s\n", e.is_string() ? e.get<std::string>().c_str() : e.dump().c_str());
  return kFailed;
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path = "/run/hadirector/control.sock";
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "-s" || a == "--socket") && i + 1 < argc) {
      socket_path = argv[++i];
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsageText, stdout);
      return kOk;
    } else {
      args.push_back(a);
    }
  }
  if (args.empty()) {
    std::fputs(kUsageText, stderr);
    return kUsage;
  }
  const std::string cmd = args[0];
  bool as_json = false;
  json request = {{"cmd", cmd}};
  if (cmd == "status" && args.size() <= 2) {
    as_json = args.size() == 2 && args[1] == "--json";
    if (args.size() == 2 && !as_json) {
      std::fputs(kUsageText, stderr);
      return kUsage;
    }
  } else if ((cmd == "drain" || cmd == "enable") && args.size() == 3) {
    request["virtual_server"] = args[1];
    request["real_server"] = args[2];
  } else if (cmd == "events" && (args.size() == 1 || (args.size() == 3 && args[1] == "--since"))) {
    if (args.size() == 3) {
      uint64_t since = 0;
      auto [p, ec] = std::from_chars(args[2].data(), args[2].data() + args[2].size(), since);
      if (ec != std::errc() || p != args[2].data() + args[2].size()) {
        std::fprintf(stderr, "hadirectorctl: --since needs an event sequence number\n");
        return kUsage;
      }
      request["since"] = since;
    }
  } else if (!(cmd == "reload" && args.size() == 1)) {
    std::fputs(kUsageText, stderr);
    return kUsage;
  }

  Connection conn;
  std::string error;
  if (!conn.open(socket_path, error)) {
    std::fprintf(stderr, "hadirectorctl: cannot reach hadirectord at %s: %s\n",
                 socket_path.c_str(), error.c_str());
    return kUnreachable;
  }
  if (!conn.send(request)) {
    std::fprintf(stderr, "hadirectorctl: lost the connection while sending\n");
    return kUnreachable;
  }
  std::string line;
  if (cmd == "events") {
    while (conn.read_line(line, -1)) {
      std::fputs((line + "\n").c_str(), stdout);
      std::fflush(stdout);
    }
    return kOk;
  }
  // A reload waits for every worker to confirm, which the daemon bounds at 10 s.
  if (!conn.read_line(line, 30'000)) {
    std::fprintf(stderr, "hadirectorctl: no reply from hadirectord\n");
    return kUnreachable;
  }
  json reply = json::parse(line, nullptr, false);
  if (reply.is_discarded()) {
    std::fprintf(stderr, "hadirectorctl: unreadable reply: %s\n", line.c_str());
    return kFailed;
  }
  if (!reply.value("ok", false)) return fail_reply(reply);
  if (as_json) {
    std::cout << reply.dump(2) << "\n";
  } else if (cmd == "status") {
    print_status(reply);
  } else if (cmd == "reload") {
    std::printf("reload complete: generation %s\n", str(reply, "generation").c_str());
  } else {
    std::printf("%s\n", reply.value("message", "done").c_str());
  }
  return kOk;
}
