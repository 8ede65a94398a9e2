// Loading behaviour beyond single error messages: the DESIGN example and etc/ files, defaults,
// derived values, the check plug-in hook, error ordering and dump -> parse round trips.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <filesystem>

#include "tests/unit/config/config_test_util.h"
#include "tests/common/test_paths.h"

namespace hadirector::config::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

std::string joined(const LoadResult& result) {
  std::string out;
  if (!result)
    for (const ConfigError& e : result.error()) out += e.to_string() + "\n";
  return out;
}

Config must_parse(const std::string& yaml, const LoadOptions& opts = {}) {
  auto result = parse_text(yaml, "t.yaml", opts);
  EXPECT_TRUE(result) << joined(result);
  return result ? *result : Config{};
}

void expect_round_trip(const Config& config) {
  std::string dumped = dump_yaml(config);
  auto again = parse_text(dumped, "dump.yaml");
  ASSERT_TRUE(again) << joined(again) << dumped;
  EXPECT_TRUE(*again == config) << dumped;
  EXPECT_EQ(dump_yaml(*again), dumped);
}

TEST(ConfigLoader, DesignExampleParsesWithItsValues) {
  auto result = load_file(std::string(HD_TEST_DATA_DIR) + "/config/design_example.yaml");
  ASSERT_TRUE(result) << joined(result);
  const Config& c = *result;
  EXPECT_EQ(c.global.router_id, "lb1");
  ASSERT_EQ(c.vrrp.scripts.size(), 1u);
  EXPECT_THAT(c.vrrp.scripts[0].command, ElementsAre("/usr/bin/pgrep", "-x", "haproxy"));
  EXPECT_EQ(c.vrrp.scripts[0].weight, -30);
  ASSERT_EQ(c.vrrp.instances.size(), 1u);
  const VrrpInstance& web = c.vrrp.instances[0];
  EXPECT_EQ(web.vrid, 51);
  EXPECT_EQ(web.priority, 150);
  EXPECT_EQ(web.advert_interval, 100ms);
  EXPECT_EQ(web.family, AF_INET);
  EXPECT_EQ(web.virtual_addresses[0].to_string(), "192.0.2.100/24");
  ASSERT_TRUE(web.unicast);
  EXPECT_EQ(web.unicast->peers[0].to_string(), "192.0.2.2");
  EXPECT_EQ(web.track.virtual_servers[0].weight, -50);
  EXPECT_THAT(web.notify.master, ElementsAre("/etc/hadirector/notify.sh", "master"));
  ASSERT_EQ(c.virtual_servers.size(), 1u);
  const VirtualServer& vs = c.virtual_servers[0];
  EXPECT_EQ(vs.address->to_string(), "192.0.2.100:80");
  EXPECT_EQ(vs.forwarding, Forwarding::kDr);
  EXPECT_EQ(vs.sorry_server->to_string(), "198.51.100.99:80");
  const CheckSpec& check = vs.real_servers[0].checks[0];
  EXPECT_EQ(check.type, "http");
  EXPECT_EQ(check.interval, 2s);
  ASSERT_NE(check.params.find("path"), nullptr);
  EXPECT_EQ(check.params.find("path")->scalar, "/healthz");
  EXPECT_EQ(check.params.find("interval"), nullptr);
  EXPECT_EQ(c.sync->follow_instance, "web");
  EXPECT_EQ(c.control.metrics_listen->port, 9650);
  EXPECT_EQ(c.snmp->agentx_socket, "/var/agentx/master");
  expect_round_trip(c);
}

TEST(ConfigLoader, EveryEtcExampleParsesAndRoundTrips) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(HD_SOURCE_DIR) + "/etc")) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    auto result = load_file(entry.path().string());
    ASSERT_TRUE(result) << joined(result);
    expect_round_trip(*result);
  }
  EXPECT_GE(files, 5);
}

TEST(ConfigLoader, FillsDefaults) {
  Config c = must_parse(with_instance("") +
                            "virtual_servers:\n  - {name: w, address: "
                            "192.0.2.1:80}\n",
                        {.default_router_id = "lbx"});
  EXPECT_EQ(c.global.router_id, "lbx");
  EXPECT_EQ(c.global.state_dir, "/var/lib/hadirector");
  EXPECT_EQ(c.global.log_level, LogLevel::kInfo);
  const VrrpInstance& i = c.vrrp.instances[0];
  EXPECT_EQ(i.priority, 100);
  EXPECT_EQ(i.version, 3);
  EXPECT_EQ(i.advert_interval, 1s);
  EXPECT_TRUE(i.preempt);
  EXPECT_TRUE(i.checksum_pseudo_header);
  EXPECT_FALSE(i.accept);
  EXPECT_EQ(i.garp, (Garp{5, 10ms, 0ms}));
  EXPECT_FALSE(i.unicast);
  const VirtualServer& vs = c.virtual_servers[0];
  EXPECT_EQ(vs.scheduler, "wlc");
  EXPECT_EQ(vs.protocol, Protocol::kTcp);
  EXPECT_EQ(vs.forwarding, Forwarding::kDr);
  EXPECT_EQ(vs.quorum, 1);
  EXPECT_EQ(vs.max_ejected_percent, 100);
  EXPECT_EQ(vs.on_failure, OnFailure::kRemove);
  EXPECT_FALSE(c.sync);
  EXPECT_FALSE(c.snmp);
  EXPECT_FALSE(c.control.metrics_listen);
  EXPECT_EQ(c.control.max_clients, 64);
}

TEST(ConfigLoader, RouterIdDefaultsToShortHostname) {
  Config c = must_parse("version: 1\n");
  EXPECT_FALSE(c.global.router_id.empty());
  EXPECT_EQ(c.global.router_id.find('.'), std::string::npos);
}

TEST(ConfigLoader, CheckDefaultsAndParamsWithMarks) {
  Config c = must_parse(with_real_server("checks:\n  - type: http\n    path: /x\n    port: 8080"));
  const CheckSpec& check = c.virtual_servers[0].real_servers[0].checks[0];
  EXPECT_EQ(check.interval, 5s);
  EXPECT_EQ(check.timeout, 2s);
  EXPECT_EQ(check.rise, 2);
  EXPECT_EQ(check.fall, 3);
  EXPECT_EQ(check.start_state, StartState::kDown);
  EXPECT_EQ(check.port, 8080);
  ASSERT_EQ(check.params.entries.size(), 1u);
  EXPECT_EQ(check.params.entries[0].first, "path");
  EXPECT_EQ(check.params.key_marks.at("path").line, 9);
  EXPECT_EQ(check.params.entries[0].second.mark.column, 19);
}

TEST(ConfigLoader, CheckHookErrorsJoinTheListInFileOrder) {
  LoadOptions opts;
  int calls = 0;
  opts.validate_check = [&](const CheckSpec& check) {
    ++calls;
    const Node* path = check.params.find("path");
    if (path == nullptr) return std::vector<ConfigError>{{check.origin.mark, "http needs 'path'"}};
    return std::vector<ConfigError>{};
  };
  std::string yaml = with_real_server("checks:\n  - {type: http, path: /}\n  - {type: http}") +
                     "    colour: red\n";
  EXPECT_THAT(errors_of(yaml, opts),
              ElementsAre("t.yaml:9:13: http needs 'path'",
                          "t.yaml:10:5: unknown key 'colour' in virtual server"));
  EXPECT_EQ(calls, 2);
}

TEST(ConfigLoader, CollectsAllErrorsInFileOrder) {
  std::string yaml = "version: 1\nglobal:\n  log_level: loud\n" +
                     with_instance("priority: 0\npreempt: perhaps").substr(11) +
                     "control: {max_clients: 0}\n";
  EXPECT_THAT(errors_of(yaml),
              ElementsAre("t.yaml:3:14: 'log_level' must be one of debug, info, notice, "
                          "warning, error; got 'loud'",
                          "t.yaml:10:17: 'priority' must be between 1 and 255, got 0",
                          "t.yaml:11:16: 'preempt' must be true or false, got 'perhaps'",
                          "t.yaml:12:24: 'max_clients' must be between 1 and 65535, got 0"));
}

TEST(ConfigLoader, Ipv6InstanceGetsHostPrefixAndFamily) {
  Config c = must_parse(
      "version: 1\nvrrp:\n  instances:\n    - {name: v6, interface: eth0, vrid: "
      "51, virtual_addresses: [2001:db8::100, 2001:db8::101/64]}\n");
  const VrrpInstance& i = c.vrrp.instances[0];
  EXPECT_EQ(i.family, AF_INET6);
  EXPECT_EQ(i.virtual_addresses[0].len, 128);
  EXPECT_EQ(i.virtual_addresses[1].len, 64);
}

TEST(ConfigLoader, SameVridAllowedOnOtherInterfaceOrFamily) {
  must_parse(
      "version: 1\nvrrp:\n  instances:\n"
      "    - {name: a, interface: eth0, vrid: 1, virtual_addresses: [192.0.2.1]}\n"
      "    - {name: b, interface: eth1, vrid: 1, virtual_addresses: [192.0.2.2]}\n"
      "    - {name: c, interface: eth0, vrid: 1, virtual_addresses: [2001:db8::1]}\n");
}

TEST(ConfigLoader, ShellScriptKeepsOneCommandLine) {
  Config c = must_parse(
      "version: 1\nvrrp:\n  scripts:\n    - {name: s, shell: true, command: "
      "'pidof haproxy || exit 1'}\n");
  EXPECT_THAT(c.vrrp.scripts[0].command, ElementsAre("pidof haproxy || exit 1"));
  EXPECT_TRUE(c.vrrp.scripts[0].shell);
}

TEST(ConfigLoader, FwmarkServiceTakesFamilyOfRealServers) {
  Config c = must_parse(
      "version: 1\nvirtual_servers:\n  - name: m\n    fwmark: 7\n"
      "    real_servers: [{address: '[2001:db8::5]'}]\n");
  EXPECT_EQ(c.virtual_servers[0].fwmark, 7u);
  EXPECT_EQ(c.virtual_servers[0].family, AF_INET6);
  EXPECT_FALSE(c.virtual_servers[0].address);
}

TEST(ConfigLoader, TunForwardingMayMixFamilies) {
  must_parse(
      "version: 1\nvirtual_servers:\n  - name: t\n    address: 192.0.2.1:80\n"
      "    forwarding: tun\n    tunnel_type: gue\n"
      "    real_servers: [{address: '[2001:db8::5]:80'}]\n");
}

TEST(ConfigLoader, EmptySectionsReadAsDefaults) {
  Config c = must_parse("version: 1\nglobal:\nvrrp:\nvirtual_servers:\ncontrol:\nsnmp:\n");
  ASSERT_TRUE(c.snmp);
  EXPECT_EQ(c.snmp->agentx_socket, "/var/agentx/master");
  EXPECT_TRUE(c.vrrp.instances.empty());
}

TEST(ConfigLoader, AnchorsAndAliasesAreExpanded) {
  Config c = must_parse(with_real_server("checks: [&c {type: tcp, interval: 3s}]") +
                        "      - {address: 198.51.100.12:80, checks: [*c]}\n");
  const auto& servers = c.virtual_servers[0].real_servers;
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[1].checks[0].interval, 3s);
}

TEST(ConfigLoader, DumpQuotesControlCharactersSoTheyReadBack) {
  expect_round_trip(must_parse(
      "version: 1\nglobal: {router_id: \"lb\\r\"}\nvirtual_servers:\n"
      "  - {name: \"\\r\", fwmark: 1, real_servers: [{address: 192.0.2.2, checks: [{type: "
      "\"\\t\", \"k\\r\": \"\\r\", \" \": \" x \"}]}]}\n"));
}

TEST(ConfigLoader, FullyLoadedConfigRoundTrips) {
  Config c = must_parse(
      "version: 1\n"
      "global: {router_id: r, script_user: nobody, log_level: debug}\n"
      "vrrp:\n"
      "  realtime: true\n"
      "  scripts: [{name: s, shell: true, command: 'true', user: u, rise: 3, weight: 10}]\n"
      "  instances:\n"
      "    - {name: a, interface: eth0, vrid: 9, version: 2, auth_password: pw,\n"
      "       virtual_addresses: [192.0.2.9], advert_interval: 3s, vmac: true,\n"
      "       unicast: {peers: [192.0.2.8]}, garp: {count: 2, repeat: 1m},\n"
      "       track: {interfaces: [{name: eth1, weight: -5}], scripts: [{name: s, weight: 2}],\n"
      "               files: [{path: /run/x, weight: 0}], virtual_servers: [{name: m}]},\n"
      "       notify: {any: [/bin/n], stop: [/bin/s, x]}}\n"
      "    - {name: b, interface: eth0, vrid: 9, virtual_addresses: ['2001:db8::9/64'],\n"
      "       accept: true, preempt: false, preempt_delay: 1.5s}\n"
      "  sync_groups: [{name: g, instances: [a, b], notify: {master: [/bin/g, m]}}]\n"
      "virtual_servers:\n"
      "  - {name: m, fwmark: 3, scheduler: sh, scheduler_flags: [sh-port],\n"
      "     persistence: {timeout: 10m, netmask: 255.255.255.0}, forwarding: tun,\n"
      "     tunnel_type: gre, quorum: 2, quorum_hysteresis: 1, on_failure: inhibit,\n"
      "     max_ejected: 50%, follow_instance: a, remove_drain_time: 5s, slow_start: 1m,\n"
      "     sorry_server: 198.51.100.9,\n"
      "     real_servers: [{address: 198.51.100.1, weight: 0, forwarding: dr,\n"
      "                     upper_threshold: 100, lower_threshold: 10,\n"
      "                     checks: [{type: x, start_state: up, fast_interval: 500ms,\n"
      "                               down_interval: 1m, port: 99, n: {a: [1, '', ~]}}]}]}\n"
      "sync:\n"
      "  {interface: eth1, sync_id: 7, mode: both, mcast_group: 224.0.0.81, port: 8848,\n"
      "   ttl: 2, maxlen: 1400, sysctls: {sync_version: 1, sync_threshold: [3, 50]}}\n"
      "control: {metrics_listen: '[::1]:9650', read_group: adm, max_clients: 8}\n"
      "snmp: {agentx_socket: tcp:localhost:705}\n");
  expect_round_trip(c);
}

}  // namespace
}  // namespace hadirector::config::testing
