// http/https keep-alive against Python's http.server, started by the test on a free 127.0.0.1
// port: HTTP/1.1 (persistent connections) or HTTP/1.0 (closes after each response), plain or
// TLS. The server prints one line per request with the client's port, so the test sees which
// connection carried each probe, and takes commands on stdin: drop (FIN) or reset (RST) its
// open connections, stop (close everything, nothing listens any more).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "checkers/check_runner.h"
#include "checkers/http/http_checker.h"
#include "tests/common/lowered_descriptor_limit.h"
#include "tests/unit/checkers/node_builder.h"
#include "tests/unit/checkers/test_server.h"
#include "tests/unit/checkers/type_test_support.h"

extern char** environ;

namespace hadirector::checkers {
namespace {

using testing::map;
using testing::scalar;
using namespace std::chrono_literals;

constexpr const char* kServer = R"PY(
import http.server, socket, ssl, struct, sys, threading
version, cert, key = sys.argv[1], sys.argv[2], sys.argv[3]
conns, lock = set(), threading.Lock()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/" + version
    def do_GET(self):
        print("request", self.client_address[1], flush=True)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def process_request(self, request, address):
        with lock:
            conns.add(request)
        super().process_request(request, address)
    def shutdown_request(self, request):
        super().shutdown_request(request)
        with lock:
            conns.discard(request)

server = Server(("127.0.0.1", 0), Handler)
if cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
print("port", server.server_address[1], flush=True)

def close_all(how):
    with lock:
        victims = list(conns)
    for c in victims:
        try:
            if how == "reset":
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.shutdown(socket.SHUT_RD)  # the handler's read ends, its close sends the RST
            else:
                c.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    while True:
        with lock:
            if not conns:
                return
        threading.Event().wait(0.01)

for line in sys.stdin:
    command = line.strip()
    if command == "stop":
        server.shutdown()
        server.server_close()
    close_all(command)
    print("done", command, flush=True)
)PY";

// The Python server as a child process with a pipe each way.
class PythonHttpServer {
 public:
  PythonHttpServer(const std::string& version, const std::string& cert = "",
                   const std::string& key = "") {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<std::string> args = {"python3", "-c", kServer, version, cert, key};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "python3", &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
    const std::string first = line();
    if (first.rfind("port ", 0) == 0) port_ = static_cast<uint16_t>(std::stoi(first.substr(5)));
  }
  ~PythonHttpServer() {
    if (to_ >= 0) ::close(to_);
    if (from_ >= 0) ::close(from_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  uint16_t port() const { return port_; }

  // Runs `command` (drop, reset, stop) and waits until the server says it is done.
  bool command(const std::string& command) {
    const std::string text = command + "\n";
    if (::write(to_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) return false;
    for (std::string l = line(); !l.empty(); l = line())
      if (!take_request(l)) return l == "done " + command;
    return false;
  }

  // The client port of each request since the last call (the server prints before replying,
  // so a request whose probe finished is already in the pipe).
  std::vector<int> requests() {
    while (poll_readable(0ms)) take_request(line());
    return std::exchange(ports_, {});
  }

 private:
  bool poll_readable(std::chrono::milliseconds timeout) {
    if (buffer_.find('\n') != std::string::npos) return true;
    pollfd p{from_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
  }
  bool take_request(const std::string& l) {
    if (l.rfind("request ", 0) != 0) return false;
    ports_.push_back(std::stoi(l.substr(8)));
    return true;
  }
  std::string line() {
    while (buffer_.find('\n') == std::string::npos) {
      if (!poll_readable(5000ms)) return {};
      char chunk[512];
      const ssize_t n = ::read(from_, chunk, sizeof chunk);
      if (n <= 0) return {};
      buffer_.append(chunk, static_cast<size_t>(n));
    }
    const size_t nl = buffer_.find('\n');
    std::string out = buffer_.substr(0, nl);
    buffer_.erase(0, nl + 1);
    return out;
  }

  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  uint16_t port_ = 0;
  std::string buffer_;
  std::vector<int> ports_;
};

size_t distinct(const std::vector<int>& ports) {
  return std::set<int>(ports.begin(), ports.end()).size();
}

class HttpKeepAlive : public testing::TypeTest {
 protected:
  void SetUp() override {
    TypeTest::SetUp();
    if (std::system("python3 -c 'import http.server' 2>/dev/null") != 0)
      GTEST_SKIP() << "python3 with http.server is not installed";
  }

  // `count` probes in a row; every one must pass.
  void probe_ok(Checker& checker, int count) {
    for (int i = 0; i < count; ++i) {
      ProbeResult result = probe(checker);
      EXPECT_TRUE(result.ok) << "probe " << i << ": " << result.reason << " " << result.detail;
    }
  }

  // Connections an http check with `params` used for `count` passing probes of a server
  // speaking HTTP/`version`.
  size_t connections(const std::string& version, const config::Node& params, int count) {
    PythonHttpServer server(version);
    EXPECT_NE(server.port(), 0);
    auto checker = make(http_, params, "127.0.0.1", server.port());
    probe_ok(*checker, count);
    const auto ports = server.requests();
    EXPECT_EQ(ports.size(), static_cast<size_t>(count));
    return distinct(ports);
  }

  HttpCheckerFactory http_{false};
  HttpCheckerFactory https_{true};
};

TEST_F(HttpKeepAlive, ProbesShareOneConnectionWithAnHttp11Server) {
  EXPECT_EQ(connections("1.1", config::Node{}, 5), 1u);
}

TEST_F(HttpKeepAlive, AServerThatClosesAfterEachResponseGetsANewConnectionPerProbe) {
  EXPECT_EQ(connections("1.0", config::Node{}, 3), 3u);  // http.server's HTTP/1.0 closes
}

TEST_F(HttpKeepAlive, OffMeansANewConnectionPerProbe) {
  EXPECT_EQ(connections("1.1", map({{"keep_alive", scalar("false")}}), 3), 3u);
}

TEST_F(HttpKeepAlive, KeepAliveRequestsBoundsTheProbesOfOneConnection) {
  EXPECT_EQ(connections("1.1", map({{"keep_alive_requests", scalar("2")}}), 6), 3u);
}

// The server drops the idle connection while our loop is not running, so the checker has not
// seen the close when the next probe starts: it sends on the dead connection, meets the FIN
// (or the RST) before any reply byte, and retries on a fresh connection within the same probe.
TEST_F(HttpKeepAlive, AConnectionDroppedWhileIdleIsRetriedAtOnceAndThePassHolds) {
  for (const std::string how : {"drop", "reset"}) {
    SCOPED_TRACE(how);
    PythonHttpServer server("1.1");
    ASSERT_NE(server.port(), 0);
    auto checker = make(http_, config::Node{}, "127.0.0.1", server.port());
    probe_ok(*checker, 2);
    ASSERT_TRUE(server.command(how));
    probe_ok(*checker, 2);
    const auto ports = server.requests();
    ASSERT_EQ(ports.size(), 4u);
    EXPECT_EQ(ports[0], ports[1]);
    EXPECT_NE(ports[1], ports[2]);
    EXPECT_EQ(ports[2], ports[3]);
  }
}

TEST_F(HttpKeepAlive, AServerThatIsReallyDownGoesDownAfterFallProbes) {
  PythonHttpServer server("1.1");
  ASSERT_NE(server.port(), 0);
  CheckTiming timing;
  timing.interval = 20ms;
  timing.timeout = 2s;
  timing.rise = 1;
  timing.fall = 3;
  std::vector<ProbeResult> results;
  std::optional<Health> state;
  CheckRunner runner(*loop_, make(http_, config::Node{}, "127.0.0.1", server.port()), timing,
                     [&](const CheckEvent& e) {
                       results.push_back(e.result);
                       state = e.state;
                     });
  runner.start();
  auto up = loop_->run_until([&] { return results.size() >= 3; }, 5s);
  ASSERT_TRUE(up && *up);
  ASSERT_EQ(state, Health::kUp);
  ASSERT_TRUE(server.command("stop"));
  const size_t before = results.size();
  auto down = loop_->run_until([&] { return state == Health::kDown; }, 5s);
  ASSERT_TRUE(down && *down);
  EXPECT_EQ(distinct(server.requests()), 1u);  // every passing probe on one connection
  ASSERT_EQ(results.size() - before, 3u);      // fall: 3, each a failure
  for (size_t i = before; i < results.size(); ++i) EXPECT_EQ(results[i].reason, "connect-refused");
}

TEST_F(HttpKeepAlive, ACheckThatKeepsConnectionsRaisesTheDescriptorLimit) {
  hadirector::testing::LoweredDescriptorLimit limit(256);
  if (!limit.ok()) GTEST_SKIP() << "hard descriptor limit too low to lower and raise";
  auto off = make(http_, map({{"keep_alive", scalar("false")}}), "127.0.0.1", 80);
  EXPECT_EQ(limit.soft_now(), 256u);  // a connection per probe needs no more
  auto on = make(http_, config::Node{}, "127.0.0.1", 80);
  EXPECT_EQ(limit.soft_now(), limit.raised());
}

TEST_F(HttpKeepAlive, HttpsKeepsItsTlsConnection) {
  std::string pattern = ::testing::TempDir() + "hd_checks_keepalive_XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string dir = pattern;
  testing::SelfSignedCert cert(dir + "/cert.pem");
  cert.write_key(dir + "/key.pem");
  {
    PythonHttpServer server("1.1", dir + "/cert.pem", dir + "/key.pem");
    ASSERT_NE(server.port(), 0);
    auto checker =
        make(https_, map({{"ca_file", scalar(dir + "/cert.pem")}}), "127.0.0.1", server.port());
    probe_ok(*checker, 4);
    ASSERT_TRUE(server.command("drop"));
    probe_ok(*checker, 2);
    const auto ports = server.requests();
    ASSERT_EQ(ports.size(), 6u);
    EXPECT_EQ(distinct(ports), 2u);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hadirector::checkers
