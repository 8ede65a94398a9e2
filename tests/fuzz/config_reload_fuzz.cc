// Fuzz target for the incremental reload parse (daemon/config/reload_parser.h, text_layout.h):
// the input is two configuration texts separated by a line "===" (or a fixed one, then the
// input). Whatever the texts, nothing crashes, and whenever the incremental parse of the second
// answers, it equals the full parse, marks included, and so does a worker's rebuild from the
// stub tree (one that keeps no real servers must still rebuild one, and one reading none
// the same virtual servers without them, also from the supervisor's cut delta); any
// difference aborts.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "daemon/config/loader.h"
#include "daemon/config/reload_parser.h"

namespace {

using namespace hadirector::config;

const char* kBase =
    "version: 1\nglobal: {router_id: a}\nvirtual_servers:\n"
    "  - name: a\n    address: 192.0.2.1:80\n    real_servers:\n"
    "      - {address: 10.0.0.1:80, weight: 2}\n"
    "  - name: b\n    address: 192.0.2.2:80\n    real_servers:\n"
    "      - address: 10.0.0.2:80\n        checks: [{type: tcp, x: [1, 2]}]\n";

std::string marks(const Node& n) {
  std::string out = std::to_string(n.mark.line) + ":" + std::to_string(n.mark.column) + ";";
  for (const auto& [k, m] : n.key_marks) out += k + "@" + std::to_string(m.line) + ";";
  for (const Node& item : n.items) out += marks(item);
  for (const auto& e : n.entries) out += marks(e.second);
  return out;
}

std::string marks(const Config& c) {
  std::string out;
  for (const VirtualServer& vs : c.virtual_servers) {
    out += std::to_string(vs.origin.mark.line) + ":" + std::to_string(vs.origin.mark.column);
    for (const RealServer& rs : vs.real_servers) {
      out += "/" + std::to_string(rs.origin.mark.line) + ":" +
             std::to_string(rs.origin.mark.column);
      for (const CheckSpec& check : rs.checks) out += marks(check.params);
    }
  }
  return out;
}

void same_or_abort(const Config& a, const Config& b) {
  if (!(a == b) || marks(a) != marks(b)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  const size_t cut = raw.find("\n===\n");
  const std::string old_text = cut == std::string::npos ? kBase : raw.substr(0, cut + 1);
  const std::string new_text = cut == std::string::npos ? raw : raw.substr(cut + 5);
  LoadOptions opts;
  opts.default_router_id = "fuzz";
  auto running = parse_text(old_text, "f.yaml", opts);
  if (!running) return 0;
  ReloadParser parser;
  parser.remember(old_text, "f.yaml", *running);
  auto fast = parser.parse(new_text, "f.yaml", opts, running->virtual_servers);
  if (!fast) return 0;
  auto full = parse_text(new_text, "f.yaml", opts);
  if (!full) std::abort();
  same_or_abort(fast->config, *full);
  LoadOptions worker = opts;
  std::vector<VirtualServer> base = running->virtual_servers;
  take_from(fast->reused, base, worker);
  auto rebuilt = parse_tree(fast->stub_tree, "f.yaml", worker);
  if (!rebuilt) std::abort();
  same_or_abort(*rebuilt, *full);
  // A worker that keeps no real servers reads the reused ones' stubs: it must still parse.
  for (VirtualServer& vs : base = running->virtual_servers) vs.real_servers.clear();
  LoadOptions bare = opts;
  take_from(fast->reused, base, bare);
  if (!parse_tree(fast->stub_tree, "f.yaml", bare)) std::abort();
  // The VRRP worker reads none: the full parse's virtual servers without them.
  for (VirtualServer& vs : base = running->virtual_servers) vs.real_servers.clear();
  LoadOptions vrrp = opts;
  vrrp.keep_real_servers = false;
  take_from(fast->reused, base, vrrp);
  auto none = parse_tree(fast->stub_tree, "f.yaml", vrrp);
  if (!none) std::abort();
  Config expected = *full;
  for (VirtualServer& vs : expected.virtual_servers) vs.real_servers.clear();
  if (!(*none == expected)) std::abort();
  // And from the delta the supervisor cuts for it.
  cut_real_servers(fast->stub_tree);
  for (VirtualServer& vs : base = running->virtual_servers) vs.real_servers.clear();
  LoadOptions from_cut = opts;
  from_cut.keep_real_servers = false;
  take_from(fast->reused, base, from_cut);
  auto smaller = parse_tree(fast->stub_tree, "f.yaml", from_cut);
  if (!smaller || !(*smaller == expected)) std::abort();
  return 0;
}
