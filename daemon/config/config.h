// The typed configuration of hadirectord: what the loader (loader.h) produces from YAML and what
// the workers consume. Plain values with defaults filled in; no YAML and no validation here.
// Also the dump back to YAML and the section-by-section diff a reload acts on.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/node.h"
#include "daemon/config/values.h"

namespace hadirector::config {

using Duration = std::chrono::milliseconds;

// Where a block was written, so later stages can report FILE:LINE:COL (a checker factory, the
// daemon failing to bind an interface). It is not part of the value: == ignores it, and two
// configurations with the same content compare equal wherever they came from.
struct Origin {
  Mark mark;
  bool operator==(const Origin&) const { return true; }
};

enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError };

struct Global {
  std::string router_id;  // default: the short hostname
  std::string state_dir = "/var/lib/hadirector";
  std::optional<std::string> script_user;  // user for scripts without their own `user`
  LogLevel log_level = LogLevel::kInfo;
  bool operator==(const Global&) const = default;
};

// A VRRP tracking script. weight 0: failure puts the tracking instances into FAULT.
struct VrrpScript {
  std::string name;
  std::vector<std::string> command;  // argv; with `shell`, one string run by /bin/sh -c
  bool shell = false;
  std::optional<std::string> user;
  Duration interval{std::chrono::seconds(1)};
  Duration timeout{std::chrono::seconds(1)};
  int rise = 1;
  int fall = 1;
  int weight = 0;  // -254..254
  Origin origin;
  bool operator==(const VrrpScript&) const = default;
};

// Tracking entries: weight 0 means "FAULT while down", otherwise priority += weight while down
// (negative) or while up (positive).
struct TrackInterface {
  std::string name;
  int weight = 0;
  bool operator==(const TrackInterface&) const = default;
};
struct TrackScript {
  std::string name;
  std::optional<int> weight;  // overrides the script's own weight
  bool operator==(const TrackScript&) const = default;
};
struct TrackVirtualServer {
  std::string name;
  int weight = 0;  // applied while the virtual server is below quorum
  bool operator==(const TrackVirtualServer&) const = default;
};
// The file holds an integer; it is multiplied by weight and added to the priority. With weight 0
// a non-zero value means FAULT.
struct TrackFile {
  std::string path;
  int weight = 1;
  bool operator==(const TrackFile&) const = default;
};
struct Track {
  std::vector<TrackInterface> interfaces;
  std::vector<TrackScript> scripts;
  std::vector<TrackVirtualServer> virtual_servers;
  std::vector<TrackFile> files;
  bool operator==(const Track&) const = default;
};

// argv lists run on transitions; an empty list means "nothing to run".
struct Notify {
  std::vector<std::string> master, backup, fault, stop, any;
  bool operator==(const Notify&) const = default;
};

// Gratuitous ARP / unsolicited NA after becoming MASTER: `count` packets `interval` apart, the
// burst repeated every `repeat` while MASTER (0 = never).
struct Garp {
  int count = 5;
  Duration interval{10};
  Duration repeat{0};
  bool operator==(const Garp&) const = default;
};

struct Unicast {
  std::optional<IpAddress> source;  // default: the interface's primary address
  std::vector<IpAddress> peers;     // never empty
  bool operator==(const Unicast&) const = default;
};

// Authenticated adverts (draft-cassen-vrrp-auth-hmac, vrrp/auth_hmac.h). Each secret is read
// from its file when the configuration loads; it is never dumped, logged or shown in status.
struct AuthKeyConfig {
  int id = 0;  // 1..255
  std::string secret_file;
  std::vector<uint8_t> secret;  // 32..64 bytes
  bool operator==(const AuthKeyConfig&) const = default;
};
struct Authentication {
  std::vector<AuthKeyConfig> keys;  // never empty; any of them verifies
  int send_key = 0;                 // the id adverts are signed with
  bool permissive = false;          // `mode: permissive`: accept adverts without a trailer
  bool replay_monotonic = false;    // `replay: monotonic`: no clock agreement, no freshness
  std::optional<Duration> window;   // time mode; default max(3 x advert_interval, 5s)
  bool operator==(const Authentication&) const = default;
};

struct VrrpInstance {
  std::string name;
  std::string interface;
  int vrid = 0;        // 1..255
  int priority = 100;  // 1..255; 255 = address owner
  int version = 3;     // 2 or 3
  int family = 0;      // AF_INET or AF_INET6: the family of virtual_addresses
  Duration advert_interval{std::chrono::seconds(1)};
  bool preempt = true;
  Duration preempt_delay{0};
  bool accept = false;                 // VRRPv3 accept mode (RFC 5798 §6.1)
  bool checksum_pseudo_header = true;  // VRRPv3 over IPv4 only (RFC 5798 §5.2.8)
  bool vmac = false;
  std::optional<std::string> auth_password;  // VRRPv2 only, at most 8 characters
  std::vector<IpPrefix> virtual_addresses;   // never empty, one family
  std::optional<Unicast> unicast;            // absent: multicast
  std::optional<Authentication> authentication;  // absent: adverts carry no HMAC
  Track track;
  Notify notify;
  Garp garp;
  Origin origin;
  bool operator==(const VrrpInstance&) const = default;
};

struct SyncGroup {
  std::string name;
  std::vector<std::string> instances;
  Notify notify;  // run with GROUP NAME STATE PRIORITY when the group's state changes
  bool operator==(const SyncGroup&) const = default;
};

struct VrrpSettings {
  bool realtime = false;  // SCHED_RR + mlockall for the VRRP worker
  std::vector<VrrpScript> scripts;
  std::vector<VrrpInstance> instances;
  std::vector<SyncGroup> sync_groups;
  bool operator==(const VrrpSettings&) const = default;
};

enum class Protocol { kTcp, kUdp, kSctp };
enum class Forwarding { kDr, kNat, kTun };
enum class TunnelType { kIpip, kGue, kGre };
enum class OnFailure { kRemove, kInhibit };  // inhibit: keep with weight 0
enum class StartState { kDown, kUp };

// One health check. The common keys are parsed here; every other key of the block stays in
// `params` (a map, with marks) for the checker type's factory to validate.
struct CheckSpec {
  std::string type;
  Duration interval{std::chrono::seconds(5)};
  Duration timeout{std::chrono::seconds(2)};  // <= interval
  int rise = 2;
  int fall = 3;
  std::optional<Duration> fast_interval;  // while rising or falling
  std::optional<Duration> down_interval;  // while down
  StartState start_state = StartState::kDown;
  std::optional<uint16_t> port;  // default: the real server's port
  Node params;
  Origin origin;
  bool operator==(const CheckSpec&) const = default;
};

struct RealServer {
  Endpoint address;                      // port 0: the virtual server's port
  int weight = 1;                        // 0..65535
  std::optional<Forwarding> forwarding;  // default: the virtual server's
  std::optional<uint32_t> upper_threshold;
  std::optional<uint32_t> lower_threshold;
  std::vector<CheckSpec> checks;
  Origin origin;
  bool operator==(const RealServer&) const = default;
};

struct Persistence {
  Duration timeout{std::chrono::seconds(300)};  // whole seconds
  std::optional<IpAddress> netmask;             // default: host mask
  bool operator==(const Persistence&) const = default;
};

struct VirtualServer {
  std::string name;
  std::optional<Endpoint> address;  // exactly one of address and fwmark is set
  Protocol protocol = Protocol::kTcp;
  std::optional<uint32_t> fwmark;
  // A virtual-server group (`addresses:`/`fwmarks:` lists): the members after the first, each
  // its own IPVS service with the same real servers, checks and verdicts. `address` (or, with
  // no address at all, `fwmark`) holds the first member.
  std::vector<Endpoint> more_addresses;
  std::vector<uint32_t> more_fwmarks;
  int family = 0;  // AF_INET/AF_INET6: address's, or for fwmark the real servers' (IPv4 if none)
  std::string scheduler = "wlc";
  std::vector<std::string> scheduler_flags;
  std::optional<Persistence> persistence;
  Forwarding forwarding = Forwarding::kDr;
  TunnelType tunnel_type = TunnelType::kIpip;  // meaningful with tun forwarding only
  int quorum = 1;
  int quorum_hysteresis = 0;
  std::optional<Endpoint> sorry_server;
  OnFailure on_failure = OnFailure::kRemove;
  int max_ejected_percent = 100;
  // Programmed into IPVS only while this VRRP instance is MASTER (absent: always).
  std::optional<std::string> follow_instance;
  Duration remove_drain_time{0};
  Duration slow_start{0};
  std::vector<RealServer> real_servers;
  Origin origin;
  bool operator==(const VirtualServer&) const = default;
};

enum class SyncMode { kFollowInstance, kBoth };

struct SyncConfig {
  std::string interface;
  int sync_id = 0;  // 0..255
  SyncMode mode = SyncMode::kFollowInstance;
  std::string follow_instance;  // with kFollowInstance
  std::optional<IpAddress> mcast_group;
  std::optional<uint16_t> port;
  std::optional<int> ttl;
  std::optional<int> maxlen;
  // net.ipv4.vs.* sysctls by name; one value each except sync_threshold (two).
  std::map<std::string, std::vector<int64_t>> sysctls;
  bool operator==(const SyncConfig&) const = default;
};

struct ControlConfig {
  std::optional<Endpoint> metrics_listen;  // off when absent
  std::optional<std::string> read_group;
  int max_clients = 64;
  bool operator==(const ControlConfig&) const = default;
};

struct SnmpConfig {
  std::string agentx_socket = "/var/agentx/master";
  bool operator==(const SnmpConfig&) const = default;
};

struct Config {
  Global global;
  VrrpSettings vrrp;
  std::vector<VirtualServer> virtual_servers;
  std::optional<SyncConfig> sync;
  ControlConfig control;
  std::optional<SnmpConfig> snmp;
  std::string source_path;  // where it was loaded from; not compared by ==
  // Read by yaml-cpp because libyaml refused the text somewhere: a reload then may not reuse
  // its parts, which libyaml could read otherwise (reload_parser.h). Not compared by ==.
  bool read_by_fallback = false;

  bool operator==(const Config& other) const;
};

// Normalized YAML with every default written out; parse_text(dump_yaml(c)) == c.
std::string dump_yaml(const Config& config);

// What a reload has to do. Instances, scripts and virtual servers are matched by name.
struct ConfigDiff {
  std::vector<std::string> instances_added, instances_removed, instances_changed;
  std::vector<std::string> virtual_servers_added, virtual_servers_removed, virtual_servers_changed;
  std::vector<std::string> scripts_added, scripts_removed, scripts_changed;
  bool global_changed = false;
  bool vrrp_settings_changed = false;  // realtime or sync_groups
  bool sync_changed = false;
  bool control_changed = false;
  bool snmp_changed = false;
  bool empty() const;
};

ConfigDiff diff(const Config& old_config, const Config& new_config);

const char* to_string(LogLevel level);
const char* to_string(Protocol protocol);
const char* to_string(Forwarding forwarding);
const char* to_string(TunnelType tunnel_type);
const char* to_string(OnFailure on_failure);
const char* to_string(StartState state);

}  // namespace hadirector::config
