// Times the configuration pipeline at S virtual servers of R real servers (the ipvs bench's
// file, generated here): the supervisor's parse and encode, a worker's decode and schema pass
// (the checker's, and bare_worker: the VRRP worker's, which runs no real servers, from the
// delta the supervisor cuts for it: cut_ms), for a start and for a reload that changes 1 % of
// the weights. Native, no IPVS: the phases the
// VM bench (run.sh) can only show in debug logs, here repeatable under perf.
//   usage: bench_config_pipeline [S R ROUNDS PATH REPEAT] (REPEAT: reloads per start)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "daemon/config/node_codec.h"
#include "daemon/config_loading.h"

namespace {

using hadirector::daemon::load_config_text;
using hadirector::daemon::load_config_tree;

std::string generate(int servers, int reals, bool changed) {
  std::string out = "version: 1\nglobal: {router_id: bench}\nvirtual_servers:\n";
  for (int i = 0; i < servers; ++i) {
    out += "  - name: vs" + std::to_string(i) + "\n    address: 10.3." + std::to_string(i / 250) +
           "." + std::to_string(i % 250 + 1) + ":80\n    scheduler: wrr\n    real_servers:\n";
    for (int j = 0; j < reals; ++j) {
      int w = changed && (i * reals + j) % 100 == 0 ? 7 : 3;
      out += "      - {address: 10.4." + std::to_string(j / 250) + "." +
             std::to_string(j % 250 + 1) + ":80, weight: " + std::to_string(w) + "}\n";
    }
  }
  return out;
}

int fail(const std::vector<hadirector::config::ConfigError>& errors) {
  std::fprintf(stderr, "%s", hadirector::daemon::format_errors(errors).c_str());
  return 1;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int servers = argc > 1 ? std::atoi(argv[1]) : 2000;
  int reals = argc > 2 ? std::atoi(argv[2]) : 20;
  int rounds = argc > 3 ? std::atoi(argv[3]) : 3;
  const std::string path = argc > 4 ? argv[4] : "/etc/hadirector/bench.yaml";
  // Reloads per start (more than 1 to profile the reload alone).
  const int repeat = argc > 5 ? std::atoi(argv[5]) : 1;
  const std::string texts[2] = {generate(servers, reals, false), generate(servers, reals, true)};
  for (int round = 0; round < rounds; ++round) {
    // Start: the full parse, remembered for the reload; the worker decodes the whole tree.
    auto t0 = std::chrono::steady_clock::now();
    std::string tree;
    auto first = load_config_text(texts[0], path, &tree);
    const double parse = ms_since(t0);
    if (!first) return fail(first.error());
    t0 = std::chrono::steady_clock::now();
    auto worker_first = load_config_tree(tree, path);
    const double decode = ms_since(t0);
    if (!worker_first) return fail(worker_first.error());
    std::printf("BENCH config.start.%d supervisor_ms=%.1f worker_ms=%.1f tree_bytes=%zu\n",
                servers * reals, parse, decode, tree.size());
    for (int again = 0; again < repeat; ++again) {
      // Reload with 1 % of the weights changed: the incremental parse and the worker's delta.
      auto previous = worker_first->virtual_servers;  // what load_config_tree moves from
      t0 = std::chrono::steady_clock::now();
      hadirector::config::ReloadParser parser;
      parser.remember(texts[0], path, *first);
      const double remember = ms_since(t0);
      t0 = std::chrono::steady_clock::now();
      std::vector<hadirector::config::ReusedRun> reused;
      hadirector::config::Node stub_tree;
      auto second = hadirector::daemon::load_config_reload(
          texts[1], path, parser, first->virtual_servers, tree, reused, &stub_tree);
      const double reparse = ms_since(t0);
      // The supervisor's second encode, for the VRRP worker (once the checker has its delta).
      t0 = std::chrono::steady_clock::now();
      hadirector::config::cut_real_servers(stub_tree);
      const std::string bare_tree = hadirector::config::encode_tree(stub_tree);
      stub_tree = {};
      const double cut = ms_since(t0);
      if (!second) return fail(second.error());
      t0 = std::chrono::steady_clock::now();
      auto worker_second = load_config_tree(tree, path, reused, previous);
      const double redecode = ms_since(t0);
      if (!worker_second) return fail(worker_second.error());
      if (!(*worker_second == *second))
        return fail({{{path, 0, 0}, "worker and supervisor differ"}});
      // A worker running no real servers (VRRP, SNMP): its base has none, it reads none.
      auto bare = worker_first->virtual_servers;
      for (auto& vs : bare) vs.real_servers.clear();
      t0 = std::chrono::steady_clock::now();
      auto bare_second = load_config_tree(bare_tree, path, reused, bare, nullptr, false);
      const double bare_decode = ms_since(t0);
      if (!bare_second) return fail(bare_second.error());
      std::printf(
          "BENCH config.reload.%d remember_ms=%.1f supervisor_ms=%.1f worker_ms=%.1f "
          "cut_ms=%.1f bare_worker_ms=%.1f tree_bytes=%zu bare_tree_bytes=%zu reused_runs=%zu\n",
          servers * reals, remember, reparse, redecode, cut, bare_decode, tree.size(),
          bare_tree.size(), reused.size());
    }
  }
  return 0;
}
