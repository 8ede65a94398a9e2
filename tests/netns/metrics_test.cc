// /metrics of the real daemon, scraped with curl on 127.0.0.1: values that follow the daemon's
// state (workers, VRRP, real servers, check latency histograms, reloads), a strict check of the
// exposition format (and `promtool check metrics` when Prometheus is installed), 404/405, oversized
// and stalled requests, and the listener moving or going away on reload.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "tests/netns/daemon_harness.h"

namespace hadirector::testing {
namespace {

using namespace std::chrono_literals;

// A port on 127.0.0.1 that nothing listens on right now.
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

int connect_tcp(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

bool listening(uint16_t port) {
  int fd = connect_tcp(port);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

// Everything the server sends until it closes.
std::string http_exchange(uint16_t port, const std::string& request) {
  int fd = connect_tcp(port);
  if (fd < 0) return "";
  (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return reply;
}

// Parses the text exposition format strictly: HELP then TYPE before a family's samples, one
// family once, valid names, escaped label values, numeric values. Series -> value; failures
// are reported as test failures.
std::map<std::string, double> parse_exposition(const std::string& text) {
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]+)");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")"
      R"((?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? (\S+))");
  std::map<std::string, double> out;
  std::set<std::string> families;
  std::string family, typed, typed_kind;
  EXPECT_TRUE(text.empty() || text.back() == '\n');
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      family = m[1];
      EXPECT_TRUE(families.insert(family).second) << "family twice: " << family;
    } else if (std::regex_match(line, m, type)) {
      EXPECT_EQ(m[1], family) << line;
      EXPECT_EQ(m[2] == "counter", family.ends_with("_total")) << line;
      typed = m[1];
      typed_kind = m[2];
    } else if (std::regex_match(line, m, sample)) {
      // A histogram's samples are NAME_bucket (with le), NAME_sum and NAME_count.
      const std::string name = m[1];
      const bool in_family =
          name == typed ||
          (typed_kind == "histogram" &&
           (name == typed + "_bucket" || name == typed + "_sum" || name == typed + "_count"));
      EXPECT_TRUE(in_family) << "sample outside its family: " << line;
      char* end = nullptr;
      std::string value = m[3];
      double v = std::strtod(value.c_str(), &end);
      EXPECT_TRUE(*end == '\0' || value == "NaN" || value == "+Inf") << line;
      EXPECT_TRUE(out.emplace(std::string(m[1]) + std::string(m[2]), v).second)
          << "duplicate series: " << line;
    } else {
      ADD_FAILURE() << "not exposition format: '" << line << "'";
    }
  }
  return out;
}

// The value of a series that must be present.
double get(const std::map<std::string, double>& m, const std::string& series) {
  auto it = m.find(series);
  if (it != m.end()) return it->second;
  ADD_FAILURE() << "no series " << series;
  return -1;
}

class MetricsTest : public ::testing::Test {
 protected:
  std::string config(std::optional<uint16_t> listen) const {
    std::string yaml =
        "version: 1\nglobal:\n  router_id: metrics-test\n  state_dir: " + daemon_.dir() +
        "/state\n";
    if (listen) yaml += "control:\n  metrics_listen: 127.0.0.1:" + std::to_string(*listen) + "\n";
    const std::string timing = "interval: 200ms, timeout: 150ms, rise: 1, fall: 1";
    // The instance's interface does not exist: it sits in FAULT and never touches the host's
    // network (accept: true: nor its nftables). The real servers are this daemon's own
    // /metrics port (up) and a closed one.
    return yaml +
           "vrrp:\n  instances:\n    - name: web\n      interface: hdt-absent1\n"
           "      vrid: 178\n      priority: 120\n      advert_interval: 100ms\n"
           "      accept: true\n"
           "      virtual_addresses: [192.0.2.178/32]\n"
           "virtual_servers:\n  - name: web-tcp\n    address: 192.0.2.178:80\n"
           "    protocol: tcp\n    real_servers:\n"
           "      - address: 127.0.0.1:" +
           std::to_string(port_) + "\n" + "        checks: [{type: tcp, " + timing + "}]\n" +
           "      - address: 127.0.0.1:" + std::to_string(closed_) + "\n" +
           "        weight: 7\n        checks: [{type: tcp, " + timing + "}]\n";
  }
  void start() {
    daemon_.write_config(config(port_));
    daemon_.set_private_network(false);
    daemon_.start();
    ASSERT_TRUE(daemon_.wait_notify("READY=1")) << daemon_.log();
  }
  // curl's body, or "" if the scrape failed.
  std::string scrape(uint16_t port) {
    auto r = run_command({"curl", "-sS", "--fail", "--max-time", "5",
                          "http://127.0.0.1:" + std::to_string(port) + "/metrics"});
    return r.exit_code == 0 ? r.out : "";
  }
  std::optional<double> value(const std::string& series) {
    auto all = parse_exposition(scrape(port_));
    auto it = all.find(series);
    if (it == all.end()) return std::nullopt;
    return it->second;
  }
  bool eventually_value(const std::string& series, double want, std::chrono::milliseconds t = 5s) {
    return eventually([&] { return value(series) == want; }, t, 50ms);
  }
  std::string rs(uint16_t port) const {
    return "{virtual_server=\"web-tcp\",real_server=\"127.0.0.1:" + std::to_string(port) + "\"}";
  }

  uint16_t port_ = free_port();
  uint16_t closed_ = free_port();
  DaemonHarness daemon_{"version: 1\n"};
};

TEST_F(MetricsTest, ScrapeReportsWorkersVrrpAndRealServers) {
  start();
  ASSERT_TRUE(eventually_value("hadirector_real_server_up" + rs(port_), 1))
      << scrape(port_) << daemon_.log();
  EXPECT_TRUE(eventually_value("hadirector_real_server_up" + rs(closed_), 0)) << scrape(port_);
  // The closed server starts down, so "up 0" can be read before its first probe is counted.
  const std::string refused =
      "hadirector_check_results_total{virtual_server=\"web-tcp\",check=\"tcp\",reason=\"connect-refused\"}";
  EXPECT_TRUE(eventually([&] { return value(refused) >= 1; }, 5s, 50ms)) << scrape(port_);
  auto m = parse_exposition(scrape(port_));
  EXPECT_EQ(get(m, "hadirector_config_generation"), 1);
  EXPECT_EQ(get(m, "hadirector_last_reload_success"), 1);
  EXPECT_EQ(get(m, "hadirector_worker_up{worker=\"vrrp\"}"), 1);
  EXPECT_EQ(get(m, "hadirector_worker_up{worker=\"checker\"}"), 1);
  EXPECT_EQ(get(m, "hadirector_worker_restarts_total{worker=\"checker\"}"), 0);
  EXPECT_EQ(get(m, "hadirector_vrrp_state{vrrp_instance=\"web\",state=\"FAULT\"}"), 1);
  EXPECT_EQ(get(m, "hadirector_vrrp_state{vrrp_instance=\"web\",state=\"MASTER\"}"), 0);
  EXPECT_EQ(get(m, "hadirector_vrrp_priority{vrrp_instance=\"web\"}"), 120);
  EXPECT_EQ(m.count("hadirector_vrrp_adverts_sent_total{vrrp_instance=\"web\"}"), 1u);
  EXPECT_EQ(get(m, "hadirector_real_server_configured_weight" + rs(closed_)), 7);
  EXPECT_EQ(get(m, "hadirector_real_server_weight" + rs(closed_)), 0);
  std::string check = rs(port_);
  check.insert(check.size() - 1, ",check=\"tcp\"");
  EXPECT_GE(get(m, "hadirector_check_latency_seconds" + check), 0);
  EXPECT_LT(get(m, "hadirector_check_latency_seconds" + check), 0.15);
  EXPECT_EQ(m.count("hadirector_ipvs_available"), 1u);

  // Check latency histogram and results by reason, per virtual server and check type.
  const std::string h = "{virtual_server=\"web-tcp\",check=\"tcp\"";
  const double count = get(m, "hadirector_check_duration_seconds_count" + h + "}");
  EXPECT_GE(count, 2);  // both real servers were checked
  EXPECT_EQ(get(m, "hadirector_check_duration_seconds_bucket" + h + ",le=\"+Inf\"}"), count);
  EXPECT_LE(get(m, "hadirector_check_duration_seconds_bucket" + h + ",le=\"0.001\"}"),
            get(m, "hadirector_check_duration_seconds_bucket" + h + ",le=\"0.25\"}"));
  EXPECT_EQ(get(m, "hadirector_check_duration_seconds_bucket" + h + ",le=\"0.25\"}"), count);
  EXPECT_GE(get(m, "hadirector_check_duration_seconds_sum" + h + "}"), 0);
  EXPECT_GE(get(m, "hadirector_check_results_total" + h + ",reason=\"ok\"}"), 1);
  EXPECT_GE(get(m, "hadirector_check_results_total" + h + ",reason=\"connect-refused\"}"), 1);
}

TEST_F(MetricsTest, WorkerRestartIsCounted) {
  start();
  pid_t checker = daemon_.worker_pid("checker");
  ASSERT_GT(checker, 0);
  ::kill(checker, SIGKILL);
  EXPECT_TRUE(eventually_value("hadirector_worker_restarts_total{worker=\"checker\"}", 1))
      << scrape(port_);
  EXPECT_TRUE(eventually_value("hadirector_worker_up{worker=\"checker\"}", 1)) << scrape(port_);
}

TEST_F(MetricsTest, PromtoolFindsNoProblems) {
  if (run_command({"sh", "-c", "command -v promtool"}).exit_code != 0)
    GTEST_SKIP() << "promtool not installed (Debian package prometheus); the strict parser of "
                    "the other tests still checks the format";
  start();
  ASSERT_TRUE(eventually_value("hadirector_real_server_up" + rs(port_), 1));
  std::string file = daemon_.dir() + "/metrics.txt";
  write_file(file, scrape(port_));
  auto r = run_command({"sh", "-c", "promtool check metrics < " + file});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out + r.err, "") << read_file(file);
}

TEST_F(MetricsTest, OnlyGetMetricsIsServed) {
  start();
  EXPECT_TRUE(
      http_exchange(port_, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 404 "));
  EXPECT_TRUE(http_exchange(port_, "POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                  .starts_with("HTTP/1.1 405 "));
  EXPECT_TRUE(http_exchange(port_, "nonsense\r\n\r\n").starts_with("HTTP/1.1 400 "));
  std::string ok = http_exchange(port_, "GET /metrics?x=1 HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200 OK\r\n")) << ok;
  EXPECT_NE(ok.find("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(ok.find("\r\nConnection: close\r\n"), std::string::npos);
}

TEST_F(MetricsTest, OversizedAndStalledRequestsBlockNobody) {
  start();
  // Over the 8 KiB limit without ever ending the head; the server reads it all, then refuses.
  std::string huge = "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(9000, 'a');
  EXPECT_TRUE(http_exchange(port_, huge).starts_with("HTTP/1.1 431 "));
  int stalled = connect_tcp(port_);
  ASSERT_GE(stalled, 0);
  (void)!::send(stalled, "GET /metr", 9, MSG_NOSIGNAL);
  EXPECT_NE(scrape(port_).find("hadirector_config_generation 1\n"), std::string::npos);
  ::close(stalled);
}

TEST_F(MetricsTest, ReloadMovesTheListenerAndRecordsTheOutcome) {
  start();
  uint16_t moved = free_port();
  daemon_.write_config(config(moved));
  auto r = daemon_.ctl({"reload"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(eventually([&] { return !listening(port_); }, 2s)) << "old port still open";
  auto m = parse_exposition(scrape(moved));
  EXPECT_EQ(get(m, "hadirector_config_generation"), 2);
  EXPECT_EQ(get(m, "hadirector_last_reload_success"), 1);

  daemon_.write_config("version: 1\nvrrp: {bogus: 1}\n");
  EXPECT_EQ(daemon_.ctl({"reload"}).exit_code, 1);
  m = parse_exposition(scrape(moved));
  EXPECT_EQ(get(m, "hadirector_config_generation"), 2);
  EXPECT_EQ(get(m, "hadirector_last_reload_success"), 0);

  daemon_.write_config(config(std::nullopt));
  ASSERT_EQ(daemon_.ctl({"reload"}).exit_code, 0);
  EXPECT_FALSE(listening(moved)) << "metrics still served after metrics_listen was removed";
}

}  // namespace
}  // namespace hadirector::testing
