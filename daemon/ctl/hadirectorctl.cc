// hadirectorctl: the operator's client for hadirectord's control socket. Sends one JSON request
// per invocation and prints the reply as a table (or raw JSON with --json); `check-config` runs
// hadirectord's validation locally. Exit codes are listed in kExitCodes (printed by --help).
#include <limits.h>
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
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/ctl/ctl_tables.h"

namespace {

using nlohmann::json;

constexpr int kOk = 0, kFailed = 1, kUsage = 2, kUnreachable = 3, kNotFound = 4;

const char kExitCodes[] =
    "exit codes:\n"
    "  0  success (check-config: the configuration is valid)\n"
    "  1  the daemon refused or reported a failure (check-config: the configuration is invalid)\n"
    "  2  usage error\n"
    "  3  hadirectord cannot be reached (check-config: hadirectord cannot be run)\n"
    "  4  no such virtual server (servers VS) or VRRP instance (demote, restore)\n";

struct CommandHelp {
  const char* name;
  const char* synopsis;
  const char* summary;
  const char* details;
};

constexpr CommandHelp kCommands[] = {
    {"status", "status [--json]", "processes, configuration generation, VRRP instances, servers",
     "Asks the supervisor and its workers for their state. --json prints the whole reply\n"
     "(the same data as the tables, and more).\n"},
    {"instances", "instances [--json]", "the VRRP instances: state, priorities, master, adverts",
     "One line per VRRP instance: state, configured and effective priority, VRID, interface,\n"
     "the current master's address and the advertisements sent and received.\n"},
    {"servers", "servers [VS] [--json]", "the real servers of every virtual server, or of VS",
     "For each virtual server its real servers: state, weight in IPVS, configured weight,\n"
     "the reason of the last verdict and the checks with their last latency.\n"},
    {"reload", "reload", "reload the configuration; prints the errors if it is invalid",
     "Re-reads the configuration file and applies it without restarting anything. An invalid\n"
     "file is rejected (exit 1) and the running configuration stays. Needs root.\n"},
    {"drain", "drain VS RS", "take real server RS of virtual server VS out of rotation",
     "Sets RS's weight to 0 so it gets no new connections; established ones continue. Needs\n"
     "root.\n"},
    {"enable", "enable VS RS", "put a drained real server back", "Undoes drain. Needs root.\n"},
    {"demote", "demote INSTANCE", "hand VRRP instance INSTANCE to the peer, for maintenance",
     "The instance advertises priority 1 (the lowest that is not a resignation) until\n"
     "restored, so a peer with a normal priority and preemption takes over after its\n"
     "Master_Down_Interval and this router stays a live backup. Persists across reloads and\n"
     "restarts. Tracked weights are suspended while demoted; a tracked fault still applies.\n"
     "An address owner (priority 255) cannot be demoted. Needs root.\n"},
    {"restore", "restore INSTANCE", "undo demote: back to the configured priority",
     "The instance advertises its configured priority (with tracked weights) again and, with\n"
     "preemption, takes the master role back from a lower-priority peer. Needs root.\n"},
    {"events", "events [--since N]", "follow VRRP transitions and real-server changes",
     "Prints events as JSON lines until interrupted. --since N first replays the kept events\n"
     "with a sequence number greater than N.\n"},
    {"check-config", "check-config FILE", "validate a configuration file without a daemon",
     "Runs `hadirectord --check-config -f FILE` (the hadirectord next to hadirectorctl, else\n"
     "the one in PATH) and passes on its messages and exit code.\n"},
};

const CommandHelp* find_command(const std::string& name) {
  for (const auto& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

void print_usage(std::FILE* out) {
  std::fputs("usage: hadirectorctl [-s SOCKET] COMMAND [ARGS]\n\ncommands:\n", out);
  for (const auto& c : kCommands) std::fprintf(out, "  %-24s %s\n", c.synopsis, c.summary);
  std::fputs(
      "\n  -s, --socket SOCKET      control socket (default /run/hadirector/control.sock)\n"
      "  -h, --help               this help; `hadirectorctl COMMAND --help` for one command\n\n",
      out);
  std::fputs(kExitCodes, out);
}

void print_command_help(const CommandHelp& c) {
  std::printf("usage: hadirectorctl [-s SOCKET] %s\n\n%s.\n\n%s\n%s", c.synopsis, c.summary,
              c.details, kExitCodes);
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "hadirectorctl: %s\n", message.c_str());
  std::fputs("try 'hadirectorctl --help'\n", stderr);
  return kUsage;
}

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
  // Next reply line; false at end of stream (`closed` set) or after timeout_ms (-1: forever).
  bool read_line(std::string& line, int timeout_ms, bool* closed = nullptr) {
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
      if (n <= 0) {
        if (closed) *closed = true;
        return false;
      }
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

int fail_reply(const json& reply) {
  std::fprintf(stderr, "hadirectorctl: %s\n", reply.value("error", "request failed").c_str());
  for (const auto& e : reply.value("errors", json::array()))
    std::fprintf(stderr, "  %s\n", e.is_string() ? e.get<std::string>().c_str() : e.dump().c_str());
  return reply.value("not_found", false) ? kNotFound : kFailed;
}

// Replaces this process with `hadirectord --check-config -f FILE`: the hadirectord next to this
// binary, then the one in ../sbin (the installed layout), then PATH. Returns only on failure.
int run_check_config(const std::string& file) {
  std::vector<std::string> candidates;
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    candidates = {dir + "/hadirectord", dir + "/../sbin/hadirectord"};
  }
  std::fflush(stdout);
  const char* args[] = {"hadirectord", "--check-config", "-f", file.c_str(), nullptr};
  for (const auto& path : candidates)
    if (::access(path.c_str(), X_OK) == 0) ::execv(path.c_str(), const_cast<char**>(args));
  ::execvp("hadirectord", const_cast<char**>(args));
  std::fprintf(stderr, "hadirectorctl: cannot run hadirectord: %s\n", std::strerror(errno));
  return kUnreachable;
}

struct Invocation {
  std::string cmd;
  json request;
  bool as_json = false;
  std::string virtual_server;  // servers VS
};

bool parse_since(const std::string& text, json& request) {
  uint64_t since = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), since);
  if (ec != std::errc() || p != text.data() + text.size()) return false;
  request["since"] = since;
  return true;
}

// The request for args (the command and its arguments); false on a usage error.
bool parse_command(std::vector<std::string> args, Invocation& inv) {
  inv.cmd = args[0];
  args.erase(args.begin());
  const std::string& cmd = inv.cmd;
  inv.request = {{"cmd", cmd}};
  if (cmd == "status" || cmd == "instances" || cmd == "servers") {
    inv.request["cmd"] = "status";
    inv.as_json = std::erase(args, "--json") > 0;
    if (cmd == "servers" && args.size() == 1 && !args[0].starts_with("-")) {
      inv.virtual_server = args[0];
      return true;
    }
    return args.empty();
  }
  if (cmd == "drain" || cmd == "enable") {
    if (args.size() != 2) return false;
    inv.request["virtual_server"] = args[0];
    inv.request["real_server"] = args[1];
    return true;
  }
  if (cmd == "demote" || cmd == "restore") {
    if (args.size() != 1 || args[0].starts_with("-")) return false;
    inv.request["instance"] = args[0];
    return true;
  }
  if (cmd == "events") return args.empty() || (args.size() == 2 && args[0] == "--since");
  return cmd == "reload" && args.empty();
}

int print_reply(const Invocation& inv, const json& reply) {
  if (!reply.value("ok", false)) return fail_reply(reply);
  if (inv.cmd == "servers" && !inv.virtual_server.empty()) {
    bool known = false;
    for (const auto& vs : reply.value("virtual_servers", json::array()))
      known = known || vs.value("name", "") == inv.virtual_server;
    if (!known) {
      std::fprintf(stderr, "hadirectorctl: no virtual server named '%s'\n",
                   inv.virtual_server.c_str());
      return kNotFound;
    }
  }
  if (inv.as_json) {
    std::cout << reply.dump(2) << "\n";
  } else if (inv.cmd == "status") {
    hadirector::ctl::print_status(stdout, reply);
  } else if (inv.cmd == "instances") {
    hadirector::ctl::print_instances(stdout, reply);
  } else if (inv.cmd == "servers") {
    hadirector::ctl::print_servers(stdout, reply, inv.virtual_server);
  } else if (inv.cmd == "reload") {
    std::printf("reload complete: generation %s\n",
                reply.value("generation", json()).dump().c_str());
  } else {
    std::printf("%s\n", reply.value("message", "done").c_str());
  }
  return kOk;
}

// What one connection came to. `retry` is set when the daemon turned the connection away
// before reading the request: a full server answers "too many clients", or sheds the oldest
// connection that has not sent a whole request, which a client descheduled between connect and
// send can be during a flood of connections. Nothing was done then, so the request may go again
// (after a close, only a request that changes nothing: the close may also be a crash).
struct Attempt {
  int code = kOk;
  std::string error;  // printed when no attempt is left
  bool retry = false;
};

Attempt exchange(const std::string& socket_path, const Invocation& inv) {
  Connection conn;
  std::string error;
  if (!conn.open(socket_path, error))
    return {kUnreachable, "cannot reach hadirectord at " + socket_path + ": " + error, false};
  const Attempt busy{kFailed, "too many clients", true};
  auto is_busy = [](const json& reply) {
    return reply.is_object() && !reply.value("ok", true) &&
           reply.value("error", "") == "too many clients";
  };
  std::string line;
  if (!conn.send(inv.request)) {
    // A full daemon answers and closes at once, maybe before the request went out.
    if (conn.read_line(line, 0) && is_busy(json::parse(line, nullptr, false))) return busy;
    return {kUnreachable, "lost the connection while sending", true};
  }
  const bool read_only = inv.cmd == "events" || inv.request.value("cmd", "") == "status";
  bool closed = false;
  // A reload waits for every worker to confirm, which the daemon bounds at 10 s.
  if (!conn.read_line(line, inv.cmd == "events" ? -1 : 30'000, &closed))
    return {kUnreachable, "no reply from hadirectord", closed && read_only};
  json reply = json::parse(line, nullptr, false);
  if (!reply.is_object()) return {kFailed, "unreadable reply: " + line, false};
  if (is_busy(reply)) return busy;
  if (inv.cmd == "events") {
    do {
      std::fputs((line + "\n").c_str(), stdout);
      std::fflush(stdout);
    } while (conn.read_line(line, -1));
    return {kOk, "", false};
  }
  return {print_reply(inv, reply), "", false};
}

// Up to 6 attempts over about 0.6 s when the daemon sheds the connection unread.
int talk(const std::string& socket_path, const Invocation& inv) {
  for (int attempt = 1, pause_ms = 20;; ++attempt, pause_ms *= 2) {
    Attempt a = exchange(socket_path, inv);
    if (a.retry && attempt < 6) {
      ::usleep(static_cast<useconds_t>(pause_ms) * 1000);
      continue;
    }
    if (!a.error.empty()) std::fprintf(stderr, "hadirectorctl: %s\n", a.error.c_str());
    return a.code;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path = "/run/hadirector/control.sock";
  std::vector<std::string> args;
  bool help = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-s" || a == "--socket") {
      if (i + 1 == argc) return usage_error(a + " needs a socket path");
      socket_path = argv[++i];
    } else if (a == "-h" || a == "--help") {
      help = true;
    } else {
      args.push_back(a);
    }
  }
  if (!args.empty() && args[0] == "help") {
    help = true;
    args.erase(args.begin());
  }
  if (args.empty()) {
    print_usage(help ? stdout : stderr);
    return help ? kOk : kUsage;
  }
  const CommandHelp* command = find_command(args[0]);
  if (!command) return usage_error("unknown command '" + args[0] + "'");
  if (help) {
    print_command_help(*command);
    return kOk;
  }
  if (args[0] == "check-config") {
    if (args.size() != 2) return usage_error(std::string("usage: ") + command->synopsis);
    return run_check_config(args[1]);
  }
  Invocation inv;
  if (!parse_command(args, inv)) return usage_error(std::string("usage: ") + command->synopsis);
  if (inv.cmd == "events" && args.size() == 3 && !parse_since(args[2], inv.request))
    return usage_error("--since needs an event sequence number");
  return talk(socket_path, inv);
}
