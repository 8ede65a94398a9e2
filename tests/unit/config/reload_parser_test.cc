// The incremental reload parse (reload_parser.h): after edits of every kind (changed, added,
// removed and reordered virtual servers, changed top-level sections, comments), it gives the
// Config a full parse gives, marks included, and reuses only unchanged items; a worker holding
// the previous virtual servers rebuilds the same Config from the stub tree; what it cannot
// read alone (errors, anchors, flow style) it leaves to the full parse. One level down, a
// changed virtual server reuses its unchanged real servers, and so does a worker.
#include "daemon/config/reload_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "daemon/config/text_layout.h"
#include "daemon/config/yaml_reader.h"

namespace hadirector::config {
namespace {

std::string server(int i, int weight = 3, const std::string& extra = "") {
  return "  - name: vs" + std::to_string(i) + "\n    address: 192.0.2." + std::to_string(i + 1) +
         ":80\n" + extra + "    real_servers:\n      - {address: 10.0.0.1:80, weight: " +
         std::to_string(weight) + "}\n      - address: 10.0.0.2:80\n        checks:\n" +
         "          - {type: tcp, interval: 2s}\n";
}

std::string file(const std::string& servers, const std::string& head = "global: {router_id: a}\n") {
  return "# test\nversion: 1\n" + head + "virtual_servers:\n" + servers + "control: {}\n";
}

std::string servers(std::initializer_list<int> ids) {
  std::string out;
  for (int i : ids) out += server(i);
  return out;
}

void marks_of(const Node& n, std::string& out) {
  out += std::to_string(n.mark.line) + ":" + std::to_string(n.mark.column) + " ";
  for (const auto& [k, m] : n.key_marks) out += k + "@" + std::to_string(m.line) + " ";
  for (const Node& item : n.items) marks_of(item, out);
  for (const auto& e : n.entries) marks_of(e.second, out);
}

// Every mark a virtual server carries, as text (Config's == ignores marks).
std::string marks_of(const Config& c) {
  std::string out;
  auto mark = [&](const Mark& m) {
    out += m.file.str() + ":" + std::to_string(m.line) + ":" + std::to_string(m.column) + " ";
  };
  for (const VirtualServer& vs : c.virtual_servers) {
    mark(vs.origin.mark);
    for (const RealServer& rs : vs.real_servers) {
      mark(rs.origin.mark);
      for (const CheckSpec& check : rs.checks) {
        mark(check.origin.mark);
        marks_of(check.params, out);
      }
    }
  }
  return out;
}

Config without_real_servers(Config c) {
  for (VirtualServer& vs : c.virtual_servers) vs.real_servers.clear();
  return c;
}

struct Reload {
  Config running;
  ReloadParser parser;
};

Reload start(const std::string& text) {
  Reload r;
  auto loaded = parse_text(text, "t.yaml");
  EXPECT_TRUE(loaded);
  if (!loaded) return r;
  r.running = *loaded;
  r.parser.remember(text, "t.yaml", r.running);
  return r;
}

// Reloads `text` both ways and checks they agree; returns the incremental result.
std::optional<IncrementalLoad> reload_and_compare(Reload& r, const std::string& text) {
  auto fast = r.parser.parse(text, "t.yaml", {}, r.running.virtual_servers);
  auto full = parse_text(text, "t.yaml");
  EXPECT_TRUE(full);
  if (!fast || !full) return fast;
  EXPECT_EQ(fast->config, *full);
  EXPECT_EQ(marks_of(fast->config), marks_of(*full));
  // The worker's side: the stub tree plus its own copy of the running virtual servers.
  LoadOptions worker;
  std::vector<VirtualServer> base = r.running.virtual_servers;
  take_from(fast->reused, base, worker);
  auto rebuilt = parse_tree(fast->stub_tree, "t.yaml", worker);
  EXPECT_TRUE(rebuilt);
  if (rebuilt) {
    EXPECT_EQ(*rebuilt, *full);
    EXPECT_EQ(marks_of(*rebuilt), marks_of(*full));
  }
  // A worker that keeps no real servers reads a reused one's stub: the same addresses.
  std::vector<VirtualServer> bare = r.running.virtual_servers;
  for (VirtualServer& vs : bare) vs.real_servers.clear();
  LoadOptions stubs;
  take_from(fast->reused, bare, stubs);
  auto stripped = parse_tree(fast->stub_tree, "t.yaml", stubs);
  EXPECT_TRUE(stripped);
  if (stripped) {
    EXPECT_EQ(stripped->virtual_servers.size(), full->virtual_servers.size());
    for (size_t i = 0; i < std::min(full->virtual_servers.size(), stripped->virtual_servers.size());
         ++i) {
      const VirtualServer& got = stripped->virtual_servers[i];
      EXPECT_EQ(got.name, full->virtual_servers[i].name);
      EXPECT_EQ(got.family, full->virtual_servers[i].family);
      if (got.real_servers.empty()) continue;  // kept whole: the worker's own, without any
      EXPECT_EQ(got.real_servers.size(), full->virtual_servers[i].real_servers.size());
      if (got.real_servers.size() != full->virtual_servers[i].real_servers.size()) continue;
      for (size_t k = 0; k < got.real_servers.size(); ++k)
        EXPECT_EQ(got.real_servers[k].address, full->virtual_servers[i].real_servers[k].address);
    }
  }
  // The VRRP worker reads none at all: the full parse's virtual servers, without them.
  for (VirtualServer& vs : bare = r.running.virtual_servers) vs.real_servers.clear();
  LoadOptions vrrp{.keep_real_servers = false};
  take_from(fast->reused, bare, vrrp);
  auto none = parse_tree(fast->stub_tree, "t.yaml", vrrp);
  EXPECT_TRUE(none);
  if (none) {
    EXPECT_EQ(*none, without_real_servers(*full));
  }
  // And from the delta the supervisor cuts for it (each real_servers list down to its first).
  Node cut = fast->stub_tree;
  cut_real_servers(cut);
  for (VirtualServer& vs : bare = r.running.virtual_servers) vs.real_servers.clear();
  LoadOptions from_cut{.keep_real_servers = false};
  take_from(fast->reused, bare, from_cut);
  auto smaller = parse_tree(cut, "t.yaml", from_cut);
  EXPECT_TRUE(smaller);
  if (smaller) {
    EXPECT_EQ(*smaller, without_real_servers(*full));
  }
  const Node* list = cut.find("virtual_servers");
  for (size_t i = 0; list && i < list->items.size(); ++i)
    if (const Node* rs = list->items[i].find("real_servers")) {
      EXPECT_LE(rs->items.size(), 1u);
    }
  r.running = *full;
  r.parser.remember(text, "t.yaml", r.running);
  return fast;
}

size_t reused_count(const IncrementalLoad& load, bool whole = true) {
  size_t n = 0;
  for (const ReusedRun& run : load.reused)
    if (run.whole() == whole) n += run.count;
  return n;
}

TEST(ReloadParser, ChangedWeightReusesEveryOtherVirtualServer) {
  auto r = start(file(servers({0, 1, 2, 3})));
  auto fast = reload_and_compare(r, file(server(0) + server(1, 9) + server(2) + server(3)));
  ASSERT_TRUE(fast);
  EXPECT_EQ(reused_count(*fast), 3u);
  EXPECT_EQ(fast->config.virtual_servers[1].real_servers[0].weight, 9);
  // vs1's second real server is unchanged: taken from the running vs1.
  EXPECT_EQ(fast->reused, (std::vector<ReusedRun>{{0, 0, 1, 0},
                                                  {.index = 1, .previous = 1, .count = 1,
                                                   .line_shift = 0, .rs = 1, .previous_rs = 1},
                                                  {2, 2, 2, 0}}));
}

// A virtual server of `weights.size()` real servers 10.0.1.K, one line each but the third
// (a block map with a check), so that items differ in length.
std::string wide(int i, const std::vector<int>& weights, const std::vector<int>& order = {}) {
  std::string out = "  - name: vs" + std::to_string(i) + "\n    address: 192.0.2." +
                    std::to_string(i + 1) + ":80\n    real_servers:\n";
  for (size_t n = 0; n < weights.size(); ++n) {
    const size_t k = order.empty() ? n : static_cast<size_t>(order[n]);
    const std::string address = "10.0.1." + std::to_string(k + 1) + ":80";
    if (k == 2)
      out += "      - address: " + address + "\n        weight: " + std::to_string(weights[k]) +
             "\n        checks:\n          - {type: tcp, interval: 2s}\n";
    else
      out += "      - {address: " + address + ", weight: " + std::to_string(weights[k]) + "}\n";
  }
  return out + "    scheduler: wrr\n";
}

TEST(ReloadParser, AChangedRealServerLeavesTheOthersOfItsServerReused) {
  auto r = start(file(wide(0, {1, 1, 1, 1}) + wide(1, {1, 1, 1, 1}) + wide(2, {1, 1, 1, 1})));
  auto fast = reload_and_compare(r, file(wide(0, {1, 1, 1, 1}) + wide(1, {1, 1, 5, 1}) +
                                         wide(2, {1, 1, 1, 1})));
  ASSERT_TRUE(fast);
  EXPECT_EQ(reused_count(*fast), 2u);
  EXPECT_EQ(reused_count(*fast, false), 3u);
  EXPECT_EQ(fast->config.virtual_servers[1].real_servers[2].weight, 5);
  // The changed block item is one line longer: the real server after it moves down.
  std::string grown = wide(1, {1, 1, 5, 1});
  grown.insert(grown.find("        checks"), "        upper_threshold: 9\n");
  auto longer = reload_and_compare(r, file(wide(0, {1, 1, 1, 1}) + grown + wide(2, {1, 1, 1, 1})));
  ASSERT_TRUE(longer);
  EXPECT_EQ(reused_count(*longer, false), 3u);
}

TEST(ReloadParser, AddedRemovedReorderedAndMovedRealServers) {
  auto r = start(file(wide(0, {1, 1, 1, 1}) + wide(1, {2, 2, 2, 2})));
  auto added = reload_and_compare(r, file(wide(0, {1, 1, 1, 1, 1}) + wide(1, {2, 2, 2, 2})));
  ASSERT_TRUE(added);
  EXPECT_EQ(reused_count(*added, false), 4u);
  auto removed = reload_and_compare(r, file(wide(0, {1, 1, 1}) + wide(1, {2, 2, 2, 2})));
  ASSERT_TRUE(removed);
  EXPECT_EQ(reused_count(*removed, false), 3u);
  auto reordered =
      reload_and_compare(r, file(wide(0, {1, 1, 1}, {2, 0, 1}) + wide(1, {2, 2, 2, 2})));
  ASSERT_TRUE(reordered);
  EXPECT_EQ(reused_count(*reordered, false), 3u);
  // vs1 changed too: its 10.0.1.4 weight 2 and vs0's old items are one pool.
  auto moved = reload_and_compare(r, file(wide(0, {1, 1, 2}, {2, 0, 1}) + wide(1, {2, 2, 2, 3})));
  ASSERT_TRUE(moved);
  EXPECT_EQ(reused_count(*moved, false), 5u);
}

TEST(ReloadParser, ErrorsAmongReusedRealServersAreLeftToTheFullParse) {
  auto r = start(file(wide(0, {1, 1, 1, 1}) + wide(1, {1, 1, 1, 1})));
  // Two unchanged items, each reused, are now the same address: only the check across them
  // sees it, and the full parse reports it at the second one.
  std::string dup = wide(1, {1, 1, 1, 1});
  dup.replace(dup.find("10.0.1.2:80"), 11, "10.0.1.1:80");
  dup.replace(dup.find("10.0.1.4:80"), 11, "10.0.1.2:80");
  const std::string text = file(wide(0, {1, 1, 1, 1}) + dup);
  EXPECT_FALSE(r.parser.parse(text, "t.yaml", {}, r.running.virtual_servers));
  auto full = parse_text(text, "t.yaml");
  ASSERT_FALSE(full);
  ASSERT_EQ(full.error().size(), 1u);
  EXPECT_EQ(full.error()[0].mark.line, 5 + 11 + 4);
  // A bad value next to reused real servers: the error at its line.
  const std::string bad = file(wide(0, {1, 1, 1, 1}) + wide(1, {1, 70000, 1, 1}));
  EXPECT_FALSE(r.parser.parse(bad, "t.yaml", {}, r.running.virtual_servers));
  auto bad_full = parse_text(bad, "t.yaml");
  ASSERT_FALSE(bad_full);
  EXPECT_EQ(bad_full.error()[0].mark.line, 5 + 11 + 4);
}

TEST(ReloadParser, AddedLinesMoveTheMarksOfTheServersBelow) {
  auto r = start(file(servers({0, 1, 2})));
  auto fast = reload_and_compare(r, file(server(0, 3, "    scheduler: wrr\n") + server(1) +
                                         server(2)));
  ASSERT_TRUE(fast);
  EXPECT_EQ(reused_count(*fast), 2u);
  // vs0 read again, its two real servers (one line further down) reused.
  EXPECT_EQ(fast->reused, (std::vector<ReusedRun>{{.index = 0, .previous = 0, .count = 2,
                                                   .line_shift = 1, .rs = 0, .previous_rs = 0},
                                                  {1, 1, 2, 1}}));
}

TEST(ReloadParser, AddedRemovedAndReorderedServers) {
  auto r = start(file(servers({0, 1, 2, 3})));
  auto added = reload_and_compare(r, file(servers({0, 1, 4, 2, 3})));
  ASSERT_TRUE(added);
  EXPECT_EQ(reused_count(*added), 4u);
  auto removed = reload_and_compare(r, file(servers({0, 4, 3})));
  ASSERT_TRUE(removed);
  EXPECT_EQ(reused_count(*removed), 3u);
  auto reordered = reload_and_compare(r, file(servers({3, 0, 4})));
  ASSERT_TRUE(reordered);
  EXPECT_EQ(reused_count(*reordered), 3u);
}

TEST(ReloadParser, ChangedTopLevelSectionsAreReadAgain) {
  auto r = start(file(servers({0, 1})));
  auto fast = reload_and_compare(
      r, file(servers({0, 1}), "global:\n  router_id: b\n  log_level: debug\nsnmp: {}\n"));
  ASSERT_TRUE(fast);
  EXPECT_EQ(reused_count(*fast), 2u);
  EXPECT_EQ(fast->config.global.router_id, "b");
  ASSERT_TRUE(fast->config.snmp);
}

TEST(ReloadParser, CommentsBetweenServersAndAtTheTop) {
  auto r = start(file(servers({0, 1, 2})));
  auto fast = reload_and_compare(
      r, "# new header\n\n" + file("  # first\n" + server(0) + "  # between\n\n" + server(1) +
                                   server(2)));
  ASSERT_TRUE(fast);
  // The comment after vs0 belongs to vs0's text, the one before it to no item.
  EXPECT_EQ(reused_count(*fast), 2u);
}

TEST(ReloadParser, AnErrorInAChangedServerIsLeftToTheFullParse) {
  auto r = start(file(servers({0, 1, 2})));
  const std::string bad = file(server(0) + server(1, 70000) + server(2));
  EXPECT_FALSE(r.parser.parse(bad, "t.yaml", {}, r.running.virtual_servers));
  auto full = parse_text(bad, "t.yaml");
  ASSERT_FALSE(full);
  ASSERT_EQ(full.error().size(), 1u);
  EXPECT_EQ(full.error()[0].mark.line, 5 + 7 + 3);  // vs1's first real server (7 lines each)
  const std::string broken = file(server(0) + "  - name: [\n" + server(2));
  EXPECT_FALSE(r.parser.parse(broken, "t.yaml", {}, r.running.virtual_servers));
}

TEST(ReloadParser, TextLibyamlRefusesAnywhereIsLeftToTheFullParse) {
  // Found by the fuzz target: a comment that is not UTF-8 makes the full parse read the whole
  // file with yaml-cpp, which reads some text differently; so every line, in a piece or not,
  // goes through libyaml, and the fast path declines where it refuses.
  auto r = start(file(servers({0, 1})));
  const std::string bad_head = "# caf\xe9\n" + file(servers({0, 1}));
  EXPECT_FALSE(r.parser.parse(bad_head, "t.yaml", {}, r.running.virtual_servers));
  std::string bad_list = file(servers({0, 1}));
  bad_list.insert(bad_list.find("  - name: vs0"), "  # caf\xe9\n");
  EXPECT_FALSE(r.parser.parse(bad_list, "t.yaml", {}, r.running.virtual_servers));
  std::string bad_item = file(servers({0, 1}));
  bad_item.insert(bad_item.find("  - name: vs1"), "  # caf\xe9\n");  // in vs0's text
  EXPECT_FALSE(r.parser.parse(bad_item, "t.yaml", {}, r.running.virtual_servers));
}

TEST(ReloadParser, NothingIsReusedFromAFileYamlCppRead) {
  // libyaml refuses the comment, so yaml-cpp read this file: its parts may read otherwise
  // under libyaml, which reads the next file.
  auto r = start("# caf\xe9\n" + file(servers({0, 1})));
  EXPECT_TRUE(r.running.read_by_fallback);
  EXPECT_FALSE(r.parser.parse(file(servers({0, 1})), "t.yaml", {}, r.running.virtual_servers));
}

TEST(ReloadParser, ErrorsAcrossServersAreLeftToTheFullParse) {
  auto r = start(file(servers({0, 1})));
  // vs1 renamed vs0: each item reads fine alone, the duplicate name is across them.
  std::string dup = server(1);
  dup.replace(dup.find("vs1"), 3, "vs0");
  EXPECT_FALSE(r.parser.parse(file(server(0) + dup), "t.yaml", {}, r.running.virtual_servers));
}

// A worker that runs no real servers (LoadOptions::keep_real_servers false), given a delta on
// its base without real servers, for a text the full parse refuses only across items.
std::vector<std::string> vrrp_worker_errors(Reload& r, const std::string& text) {
  std::vector<std::string> out;
  EXPECT_FALSE(parse_text(text, "t.yaml"));  // the supervisor refuses it; a worker sees it
  auto read = detail::read_yaml(text, "t.yaml");  // only if the two disagree
  EXPECT_TRUE(read.root);
  if (!read.root) return out;
  const Node& tree = *read.root;
  // The worker's delta: every virtual server whose text is unchanged stands for its base.
  std::vector<ReusedRun> runs;
  const Node* list = tree.find("virtual_servers");
  for (size_t i = 0; list && i < list->items.size() && i < r.running.virtual_servers.size(); ++i)
    if (server(static_cast<int>(i)).find(list->items[i].find("name")->scalar + "\n") !=
        std::string::npos)
      runs.push_back({i, i, 1, 0});
  std::vector<VirtualServer> bare = without_real_servers(r.running).virtual_servers;
  LoadOptions vrrp{.keep_real_servers = false};
  take_from(runs, bare, vrrp);
  auto got = parse_tree(tree, "t.yaml", vrrp);
  EXPECT_FALSE(got);
  if (!got)
    for (const ConfigError& e : got.error()) out.push_back(e.to_string());
  return out;
}

TEST(ReloadParser, AWorkerWithoutRealServersKeepsTheChecksAcrossItems) {
  const std::string head =
      "global: {router_id: a}\nvrrp:\n  instances:\n    - {name: web, interface: eth0, "
      "vrid: 51, virtual_addresses: [192.0.2.200/24]}\n";
  auto r = start(file(servers({0, 1}), head));
  // A second virtual server claiming vs0's service, in a changed item.
  std::string same_service = server(2);
  same_service.replace(same_service.find("192.0.2.3"), 9, "192.0.2.1");
  EXPECT_THAT(vrrp_worker_errors(r, file(servers({0, 1}) + same_service, head)),
              ::testing::ElementsAre(::testing::HasSubstr(
                  "service tcp 192.0.2.1:80 of virtual server 'vs2' is already configured in "
                  "virtual server 'vs0'")));
  std::string dup = server(2);
  dup.replace(dup.find("vs2"), 3, "vs1");
  EXPECT_THAT(vrrp_worker_errors(r, file(servers({0, 1}) + dup, head)),
              ::testing::ElementsAre(::testing::HasSubstr("duplicate virtual server name 'vs1'")));
  // vs0 kept whole (from the base), following an instance the reload removed.
  const std::string follows = server(0, 3, "    follow_instance: web\n") + server(1);
  auto f = start(file(follows, head));
  EXPECT_THAT(vrrp_worker_errors(f, file(follows)),
              ::testing::ElementsAre(::testing::HasSubstr("follow_instance 'web' is not")));
}

TEST(ReloadParser, AWorkerWithoutRealServersTakesAFwmarkFamilyFromTheFirst) {
  // fwmark 1 twice, IPv4 and IPv6 (from their real servers): two services, not one claimed twice.
  const std::string text =
      "version: 1\nvirtual_servers:\n"
      "  - {name: a, fwmark: 1, tunnel_type: gre, real_servers: [{address: 10.0.0.1, "
      "forwarding: tun}]}\n"
      "  - {name: b, fwmark: 1, real_servers: [{address: '2001:db8::1'}, {address: 10.0.0.1, "
      "forwarding: tun}]}\n";
  Node tree;
  auto full = parse_text(text, "t.yaml", {}, &tree);
  ASSERT_TRUE(full) << full.error().front().to_string();
  auto vrrp = parse_tree(tree, "t.yaml", {.keep_real_servers = false});
  ASSERT_TRUE(vrrp) << vrrp.error().front().to_string();
  EXPECT_EQ(*vrrp, without_real_servers(*full));
  EXPECT_EQ(vrrp->virtual_servers.at(1).family, AF_INET6);
}

TEST(ReloadParser, WhatTheScannerCannotCutIsLeftToTheFullParse) {
  auto r = start(file(servers({0, 1})));
  auto refused = [&](const std::string& text) {
    return !r.parser.parse(text, "t.yaml", {}, r.running.virtual_servers);
  };
  EXPECT_TRUE(refused("version: 1\nglobal: &g {router_id: a}\nvirtual_servers:\n" +
                      servers({0, 1})));
  EXPECT_TRUE(refused("---\n" + file(servers({0, 1}))));
  EXPECT_TRUE(refused("version: 1\nvirtual_servers: [{name: vs0, address: 192.0.2.1:80}]\n"));
  EXPECT_TRUE(refused(file("\t" + servers({0, 1}))));
  EXPECT_TRUE(refused(file(servers({0, 1})) + "version: 1\n"));  // duplicate top-level key
  EXPECT_TRUE(refused("version: 1\r\nvirtual_servers:\r\n" + servers({0, 1})));
}

TEST(ReloadParser, ADifferentFileOrNothingRememberedParsesInFull) {
  auto r = start(file(servers({0, 1})));
  EXPECT_FALSE(r.parser.parse(file(servers({0, 1})), "other.yaml", {}, r.running.virtual_servers));
  ReloadParser empty;
  EXPECT_FALSE(empty.parse(file(servers({0, 1})), "t.yaml", {}, r.running.virtual_servers));
}

TEST(TextLayout, CutsSectionsAndItems) {
  const std::string text = file(servers({0, 1}));
  auto layout = detail::scan_layout(text);
  ASSERT_TRUE(layout);
  ASSERT_EQ(layout->sections.size(), 4u);
  EXPECT_EQ(layout->sections[0].key, "version");
  EXPECT_EQ(layout->sections[0].span.line, 2);
  ASSERT_EQ(layout->vs_section, 2);
  ASSERT_EQ(layout->vs_items.size(), 2u);
  EXPECT_EQ(layout->vs_items[0].line, 5);
  EXPECT_EQ(layout->vs_items[1].line, 5 + 7);
  EXPECT_EQ(text.substr(layout->vs_items[0].begin,
                        layout->vs_items[0].end - layout->vs_items[0].begin),
            server(0));
}

TEST(TextLayout, CutsRealServersOfAnItem) {
  const std::string item = wide(0, {1, 1, 1, 1});
  auto spans = detail::scan_real_servers(item);
  ASSERT_TRUE(spans);
  ASSERT_EQ(spans->size(), 4u);
  EXPECT_EQ((*spans)[0].line, 3);
  EXPECT_EQ((*spans)[3].line, 3 + 2 + 4);
  EXPECT_EQ(item.substr((*spans)[1].begin, (*spans)[1].end - (*spans)[1].begin),
            "      - {address: 10.0.1.2:80, weight: 1}\n");
  EXPECT_TRUE(detail::scan_real_servers(item + "  # after\n\n"));
  std::string inside = item;
  inside.insert(inside.find("      - {address: 10.0.1.2"), "      # here\n");
  EXPECT_FALSE(detail::scan_real_servers(inside));
  for (const char* odd : {"\"", "'", "|", ">", "["}) {
    std::string text = item;
    text.insert(text.find("2:80, weight") + 12, odd);
    EXPECT_FALSE(detail::scan_real_servers(text)) << odd;
  }
  EXPECT_FALSE(detail::scan_real_servers("  - name: a\n    real_servers: []\n"));
  EXPECT_FALSE(detail::scan_real_servers("  - real_servers:\n      - {address: a}\n"));
}

TEST(TextLayout, OddIndentationLeavesTheListWhole) {
  auto layout = detail::scan_layout("version: 1\nvirtual_servers:\n  - name: a\n - name: b\n");
  ASSERT_TRUE(layout);
  EXPECT_EQ(layout->vs_section, -1);
  EXPECT_TRUE(layout->vs_items.empty());
}

}  // namespace
}  // namespace hadirector::config
