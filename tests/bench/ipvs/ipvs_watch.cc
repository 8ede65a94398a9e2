// ipvs_watch: the IPVS bench's completion detector, run in the guest inside the bench's namespace.
// `wait` reads the destinations a change must produce and polls, over generic netlink, only the
// services still pending (one destination dump each), dropping each once it shows all of its
// expected destinations; it prints when the last one did, bracketed by the last dump that did
// not. `apply` makes a spec's change itself at a known time (the detector's validation).
// Spec lines: "VIP:PORT RIP:PORT WEIGHT" (TCP, IPv4; weight "*": any). See README.md.
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/unique_fd.h"
#include "ipvs/libnl_ipvs_client.h"

namespace {

using hadirector::core::Result;
using namespace hadirector::ipvs;

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// This thread's CPU time, in seconds.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Expected {
  Destination dest;
  bool any_weight = false;
};

struct PendingService {
  Service service;
  std::vector<Expected> dests;
  double last_miss = 0;  // when the last dump that did not show the state was sent
};

Result<std::pair<IpAddress, std::uint16_t>> parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  std::uint16_t port = 0;
  if (colon == std::string::npos ||
      std::from_chars(text.data() + colon + 1, text.data() + text.size(), port).ec != std::errc{}) {
    return hadirector::core::fail(hadirector::core::Errc::kInvalid, "bad endpoint " + text);
  }
  auto address = IpAddress::parse(text.substr(0, colon));
  if (!address) return std::unexpected(address.error());
  return std::pair{*address, port};
}

// Services in the order of their first line, each with its expected destinations.
Result<std::vector<PendingService>> read_spec(const char* path) {
  std::ifstream in(path);
  if (!in) return hadirector::core::fail(hadirector::core::Errc::kInvalid, "cannot read spec");
  std::vector<PendingService> out;
  std::string line, vip, rip, weight;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    if (!(fields >> vip >> rip >> weight)) continue;
    auto v = parse_endpoint(vip);
    auto r = parse_endpoint(rip);
    if (!v) return std::unexpected(v.error());
    if (!r) return std::unexpected(r.error());
    Service service;
    service.address = v->first;
    service.port = v->second;
    if (out.empty() || !out.back().service.same_key(service)) out.push_back({service, {}, 0});
    Expected e;
    e.dest.address = r->first;
    e.dest.port = r->second;
    e.any_weight = weight == "*";
    if (!e.any_weight) e.dest.weight = std::stoi(weight);
    out.back().dests.push_back(e);
  }
  return out;
}

// One destination as a dump shows it (IPv4 bench: the address's first 4 bytes).
struct Seen {
  std::array<std::uint8_t, 4> address{};
  std::uint16_t port = 0;  // host order
  std::uint32_t weight = 0;
};

// Destination lists by the kernel's older interface, getsockopt(IP_VS_SO_GET_DESTS): one call
// per service, fixed-size entries copied out, nothing to build or parse. In the VM a generic-
// netlink dump of one service cost 0.6 ms through LibnlIpvsClient and 0.3 ms raw (the kernel
// formats ~40 attributes per destination), so a pass over 400 services took 120-250 ms.
class DestDumper {
 public:
  // More destinations than this in one service is refused (the bench has 20).
  static constexpr unsigned kMaxDests = 64;

  static Result<DestDumper> open() {
    const int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (fd < 0) return hadirector::core::fail_errno(errno, "raw socket for IPVS");
    return DestDumper(fd);
  }
  // The service's destinations; empty when it does not exist, nullopt on another error.
  std::optional<std::vector<Seen>> dump(const Service& service) {
    std::memset(buffer_.data(), 0, buffer_.size());
    auto* get = reinterpret_cast<ip_vs_get_dests*>(buffer_.data());
    get->protocol = static_cast<std::uint16_t>(service.protocol);
    std::memcpy(&get->addr, service.address.bytes.data(), 4);
    get->port = htons(service.port);
    get->num_dests = kMaxDests;
    socklen_t len = static_cast<socklen_t>(buffer_.size());
    std::vector<Seen> out;
    if (getsockopt(fd_.get(), IPPROTO_IP, IP_VS_SO_GET_DESTS, get, &len) != 0) {
      if (errno == ESRCH) return out;
      return std::nullopt;
    }
    for (unsigned i = 0; i < kMaxDests && get->entrytable[i].port != 0; ++i) {
      const ip_vs_dest_entry& e = get->entrytable[i];
      Seen seen;
      std::memcpy(seen.address.data(), &e.addr, 4);
      seen.port = ntohs(e.port);
      seen.weight = static_cast<std::uint32_t>(e.weight);
      out.push_back(seen);
    }
    if (out.size() == kMaxDests) return std::nullopt;  // maybe cut: refuse to judge
    return out;
  }

 private:
  explicit DestDumper(int fd) : fd_(fd) {}

  hadirector::core::UniqueFd fd_;
  std::vector<char> buffer_ =
      std::vector<char>(sizeof(ip_vs_get_dests) + kMaxDests * sizeof(ip_vs_dest_entry));
};

// True when the kernel shows every expected destination of `s` (with its weight).
bool in_state(DestDumper& dumper, const PendingService& s) {
  auto listed = dumper.dump(s.service);
  if (!listed) return false;
  return std::ranges::all_of(s.dests, [&](const Expected& e) {
    return std::ranges::any_of(*listed, [&](const Seen& d) {
      return std::memcmp(d.address.data(), e.dest.address.bytes.data(), 4) == 0 &&
             d.port == e.dest.port &&
             (e.any_weight || d.weight == static_cast<std::uint32_t>(e.dest.weight));
    });
  });
}

struct Outcome {
  double seen = 0;   // when the dump showing the last pending service returned
  double after = 0;  // the state was not complete before this (latest miss among the services)
  long passes = 0, dumps = 0;
};

// One pass over `pending`: drops the services in state, moving the bounds of `out`.
void poll_pass(DestDumper& ipvs, std::vector<PendingService>& pending, Outcome& out) {
  std::erase_if(pending, [&](PendingService& s) {
    const double sent = now();
    const bool done = in_state(ipvs, s);
    ++out.dumps;
    if (!done) {
      s.last_miss = sent;
      return false;
    }
    out.seen = std::max(out.seen, now());
    out.after = std::max(out.after, s.last_miss);
    return true;
  });
  ++out.passes;
}

// Rest between passes, relative to the last pass: the detector uses at most 1 / (1 + this) of a
// CPU. The bench runs it at a real-time priority, so a pass is never delayed by the daemon.
constexpr double kIdleFactor = 3;
// Services checked every sleep while none has changed yet (a few, so waiting is cheap).
constexpr size_t kSample = 8;

// Checks kSample pending services from `cursor` on (rotating); true when one is in state.
bool sample(DestDumper& ipvs, std::vector<PendingService>& pending, size_t& cursor, Outcome& out) {
  for (size_t i = 0; i < std::min(kSample, pending.size()); ++i) {
    PendingService& s = pending[cursor++ % pending.size()];
    const double sent = now();
    ++out.dumps;
    if (in_state(ipvs, s)) return true;
    s.last_miss = sent;
  }
  return false;
}

// Waits for every pending service to show its state. Until one does, only a rotating sample is
// checked every `sleep_ms`; from then on (a daemon changes the table in a burst) whole passes
// over the services still pending, resting kIdleFactor times as long as the next pass should take.
Outcome poll_until_done(DestDumper& ipvs, std::vector<PendingService>& pending, double limit,
                        int sleep_ms) {
  Outcome out;
  const double start = now();
  const bool trace = std::getenv("IPVS_WATCH_TRACE") != nullptr;  // each pass on stderr
  const auto rest = std::chrono::duration<double>(sleep_ms / 1e3);
  bool changing = false;
  size_t cursor = 0;
  double pass_time = 0;
  while (!pending.empty() && now() - start <= limit) {
    std::this_thread::sleep_for(
        std::max(rest, std::chrono::duration<double>(kIdleFactor * pass_time)));
    if (!changing && !(changing = sample(ipvs, pending, cursor, out))) continue;
    const double pass_start = now(), cpu_start = cpu_now();
    const size_t before = pending.size();
    poll_pass(ipvs, pending, out);
    // The next pass is over the services left: rest for what that one will take, in CPU time
    // (a host that stalls the VM mid-pass must not stretch the rest: that once made it 1 s).
    pass_time = (cpu_now() - cpu_start) * static_cast<double>(pending.size()) / before;
    if (trace) {
      std::fprintf(stderr, "ipvs_watch: pass at %.3f s: %zu -> %zu pending, %.1f ms\n",
                   pass_start - start, before, pending.size(), (now() - pass_start) * 1e3);
    }
  }
  return out;
}

int wait_for(DestDumper& ipvs, std::vector<PendingService> pending, double limit, int sleep_ms) {
  const std::vector<PendingService> all = pending;
  Outcome first;
  poll_pass(ipvs, pending, first);  // before the action: a service already in state is a bad spec
  const size_t already = all.size() - pending.size();
  std::printf("ready\n");
  std::fflush(stdout);
  Outcome out = poll_until_done(ipvs, pending, limit, sleep_ms);
  if (!pending.empty()) {
    std::printf("timeout %zu of %zu services pending\n", pending.size(), all.size());
    return 0;
  }
  // A reached state is never undone by the daemons timed here: every service must still show it.
  const auto missing =
      std::ranges::count_if(all, [&](const auto& s) { return !in_state(ipvs, s); });
  std::printf("done %.6f %.6f passes=%ld dumps=%ld services=%zu already=%zu missing_after=%ld\n",
              out.seen, out.after, out.passes, out.dumps, all.size(), already, long(missing));
  return missing == 0 ? 0 : 1;
}

// Makes the spec's change (add: services and destinations from empty; edit: new weights) in
// batches, holding the last destination back `hold_ms`; prints when that one was sent and acked.
int apply(LibnlIpvsClient& ipvs, const std::vector<PendingService>& spec, bool add, int hold_ms) {
  std::vector<Change> changes;
  for (const auto& s : spec) {
    Service service = s.service;
    service.scheduler = "wrr";
    if (add) changes.push_back({OpKind::kAddService, service, {}});
    for (const auto& e : s.dests) {
      changes.push_back(
          {add ? OpKind::kAddDestination : OpKind::kEditDestination, service, e.dest});
    }
  }
  if (changes.empty()) return 2;
  const Change last = changes.back();
  changes.pop_back();
  for (const auto& status : ipvs.apply(changes)) {
    if (!status) std::fprintf(stderr, "ipvs_watch: %s\n", status.error().message().c_str());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
  const double before = now();
  const auto status = ipvs.apply_one(last);
  const double acked = now();
  if (!status) std::fprintf(stderr, "ipvs_watch: %s\n", status.error().message().c_str());
  std::printf("applied %.6f %.6f\n", before, acked);
  return status ? 0 : 1;
}

int report(const hadirector::core::Error& error) {
  std::fprintf(stderr, "ipvs_watch: %s\n", error.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 2 ? argv[1] : "";
  if (mode != "wait" && mode != "apply") {
    std::fprintf(stderr,
                 "usage: ipvs_watch wait SPEC LIMIT_S [SLEEP_MS]\n"
                 "       ipvs_watch apply SPEC add|edit [HOLD_MS]\n");
    return 2;
  }
  auto spec = read_spec(argv[2]);
  if (!spec) return report(spec.error());
  if (mode == "wait") {
    auto dumper = DestDumper::open();
    if (!dumper) return report(dumper.error());
    return wait_for(*dumper, std::move(*spec), argc > 3 ? std::stod(argv[3]) : 60,
                    argc > 4 ? std::stoi(argv[4]) : 5);
  }
  auto ipvs = LibnlIpvsClient::open();
  if (!ipvs) return report(ipvs.error());
  return apply(**ipvs, *spec, argc > 3 && std::string(argv[3]) == "add",
               argc > 4 ? std::stoi(argv[4]) : 500);
}
