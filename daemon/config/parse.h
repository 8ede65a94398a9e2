// The loader's section parsers: each reads one section of the YAML tree into its typed struct,
// checking keys, types and ranges and the references into other sections. Internal to
// daemon/config; the entry points are in loader.h.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/config/loader.h"
#include "daemon/config/reader.h"

namespace hadirector::config::detail {

// Names defined anywhere in the file, collected before parsing so references can be checked
// where they are written, whatever the order of sections.
struct Names {
  std::set<std::string> scripts, instances, virtual_servers;
};
Names collect_names(const Node& root);

// Reports a second definition of a name: "duplicate vrrp instance name 'web' (first at 12:9)".
class UniqueNames {
 public:
  explicit UniqueNames(std::string what) : what_(std::move(what)) {}
  bool add(const std::string& name, const Mark& mark, Errors& errors);

 private:
  std::string what_;
  std::map<std::string, Mark> seen_;
};

struct ParseContext {
  Errors& errors;
  const LoadOptions& options;
  Names names;
};

// Parses every item of a list of named maps with `parse` (returning std::optional<T>) and
// reports duplicate names; `what` names the items in messages ("vrrp instance").
template <typename T, typename Parse>
std::vector<T> parse_named_list(const Node* list, std::string_view key, const std::string& what,
                                ParseContext& ctx, Parse parse) {
  std::vector<T> out;
  UniqueNames names(what);
  for (const Node& item : *to_list(list, key, ctx.errors)) {
    std::optional<T> parsed = parse(item);
    if (!parsed) continue;
    if (const Node* name = item.find("name")) names.add(parsed->name, name->mark, ctx.errors);
    out.push_back(std::move(*parsed));
  }
  return out;
}

// The probe timing keys that scripts and checks share: interval, timeout (<= interval), rise
// and fall (1..1000).
void read_timing(MapReader& reader, Duration& interval, Duration& timeout, int& rise, int& fall);
// An instance's `authentication` block (parse_authentication.cc), key files read and checked.
void parse_authentication(MapReader& instance, VrrpInstance& out);
// A tracking weight, -254..254 (0 = FAULT).
int read_weight(MapReader& reader, int default_weight);

// The optional `notify` map of an instance or a sync group (master/backup/fault/stop/any argv).
void parse_notify(MapReader& parent, Notify& out);
std::optional<VrrpInstance> parse_instance(const Node& node, ParseContext& ctx);
void parse_global(const Node* node, ParseContext& ctx, Global& out);
void parse_vrrp(const Node* node, ParseContext& ctx, VrrpSettings& out);
void parse_virtual_servers(const Node* node, ParseContext& ctx, std::vector<VirtualServer>& out);
CheckSpec parse_check(const Node& node, ParseContext& ctx);
std::optional<SyncConfig> parse_sync(const Node* node, ParseContext& ctx);
void parse_control(const Node* node, ParseContext& ctx, ControlConfig& out);
std::optional<SnmpConfig> parse_snmp(const Node* node, ParseContext& ctx);

}  // namespace hadirector::config::detail
