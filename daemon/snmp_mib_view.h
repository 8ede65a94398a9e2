// What the SNMP sub-agent answers: the daemon's status document and configuration turned into
// sorted OID -> value tables for the RFC 6527 VRRPv3-MIB and our HADIRECTOR-MIB, plus the
// varbinds of their notifications. Pure: no net-snmp, no I/O, no clock (the caller passes
// interface indexes and up times in), so the OID layout is unit-tested without an agent.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.h"

namespace hadirector::daemon::snmp {

using Oid = std::vector<uint32_t>;

// 1.3.6.1.2.1.207 (RFC 6527).
const Oid& vrrpv3_mib();
// 1.3.6.1.4.1.32473.1: 32473 is IANA's private enterprise number reserved for documentation
// (RFC 5612), a placeholder until the project has its own (etc/HADIRECTOR-MIB.txt says so).
const Oid& hadirector_mib();
// 1.3.6.1.6.3.1.1.4.1.0, the varbind naming a notification.
const Oid& snmp_trap_oid();

struct Value {
  enum class Type {
    kInteger,
    kUnsigned,
    kGauge,
    kCounter32,
    kCounter64,
    kTimeTicks,
    kOctets,
    kObjectId
  };
  Type type = Type::kInteger;
  int64_t number = 0;  // every type but kOctets
  std::string octets;  // kOctets (text or raw address bytes)
  Oid object_id;       // kObjectId

  static Value integer(int64_t v) { return {Type::kInteger, v, {}, {}}; }
  static Value unsigned32(uint64_t v) { return {Type::kUnsigned, clamp32(v), {}, {}}; }
  static Value gauge(uint64_t v) { return {Type::kGauge, clamp32(v), {}, {}}; }
  static Value counter32(uint64_t v) {
    return {Type::kCounter32, int64_t(v & 0xffffffffu), {}, {}};
  }
  static Value counter64(uint64_t v) { return {Type::kCounter64, int64_t(v), {}, {}}; }
  static Value timeticks(uint64_t v) { return {Type::kTimeTicks, clamp32(v), {}, {}}; }
  static Value octets_of(std::string s) { return {Type::kOctets, 0, std::move(s), {}}; }
  static Value oid_of(Oid o) { return {Type::kObjectId, 0, {}, std::move(o)}; }
  bool operator==(const Value&) const = default;

 private:
  static int64_t clamp32(uint64_t v) { return int64_t(v > 0xffffffffu ? 0xffffffffu : v); }
};

// OIDs sorted in SNMP's lexicographic order (std::vector's operator< is exactly that).
using Table = std::map<Oid, Value>;

struct Varbind {
  Oid oid;
  Value value;
};

struct ViewInputs {
  const nlohmann::json& status;  // the merged `status --json` document
  const config::Config& config;
  std::function<uint32_t(const std::string&)> if_index;  // 0 when the interface is unknown
  // Centiseconds since each instance left INIT (vrrpv3OperationsUpTime); absent: 0.
  std::map<std::string, uint64_t> up_time_cs;
};

class MibView {
 public:
  MibView() = default;
  explicit MibView(const ViewInputs& in);

  const Table& vrrp() const { return vrrp_; }
  const Table& hadirector() const { return hadirector_; }

  // GET: the exact OID. GETNEXT: the first OID after `oid` (nullptr past the end).
  static const Value* get(const Table& table, const Oid& oid);
  static const std::pair<const Oid, Value>* next(const Table& table, const Oid& oid);

  // vrrpv3NewMaster for `instance` with the RFC 6527 reason for `reason` (our reason code);
  // nullopt when the instance is not in the view.
  std::optional<std::vector<Varbind>> new_master(const std::string& instance,
                                                 const std::string& reason) const;
  // vrrpv3ProtoError by instance name, one per instance whose protocol-error counters (TTL,
  // version, checksum, VRID) rose since `before` (the previous view), naming the error that rose
  // most. Also sets vrrpv3StatisticsProtoErrReason: that error, or the value `before` had when
  // nothing rose.
  std::map<std::string, std::vector<Varbind>> take_proto_errors(const MibView& before);
  // hdRealServerStateChange for the real server `rs` of `vs`; nullopt when unknown.
  std::optional<std::vector<Varbind>> real_server_change(const std::string& vs,
                                                         const std::string& rs,
                                                         const std::string& reason) const;

 private:
  void add_instances(const ViewInputs& in);
  void add_servers(const nlohmann::json& status);

  Table vrrp_;
  Table hadirector_;
  std::map<std::string, Oid> instance_index_;                    // name -> ifIndex.vrid.type
  std::map<std::pair<std::string, std::string>, Oid> rs_index_;  // (vs, rs) -> vs.rs
  // Per instance, the counters behind vrrpv3StatisticsProtoErrReason 1..4.
  std::map<std::string, std::array<uint64_t, 4>> proto_errors_;
};

// At most one notification per key (an instance) per interval: a stream of bad packets must not
// become a stream of traps. Pure: the caller passes the time.
class NotifyThrottle {
 public:
  explicit NotifyThrottle(std::chrono::steady_clock::duration interval) : interval_(interval) {}
  bool allow(const std::string& key, std::chrono::steady_clock::time_point now);

 private:
  std::chrono::steady_clock::duration interval_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_;
};

// RFC 6527 vrrpv3StatisticsNewMasterReason for one of our transition reason codes.
int new_master_reason(const std::string& reason);

}  // namespace hadirector::daemon::snmp
