// Loading hadirectord's YAML configuration: parse, check every key and value, and return the
// typed Config (config.h) or every error found, in file order, each as "FILE:LINE:COL: message".
// Pure apart from load_file reading its file (and gethostname for the router_id default).
#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/config/node.h"

namespace hadirector::config {

inline constexpr const char* kDefaultConfigPath = "/etc/hadirector/hadirector.yaml";

struct LoadOptions {
  // Called for every check whose common keys parsed; a checker type validates its `params`
  // here (and reports an unknown `type`). Its errors join the list.
  std::function<std::vector<ConfigError>(const CheckSpec&)> validate_check = {};
  // global.router_id when the file has none; empty: the short hostname.
  std::string default_router_id = {};
  // A reload's shortcut (reload_parser.h): the virtual server at this index of
  // `virtual_servers` is already parsed (marks included), so its item is not read again; only
  // the checks across items (names, services, follow_instance) see it. nullopt: parse the item.
  std::function<std::optional<VirtualServer>(size_t index)> reuse_virtual_server = {};
  // The same one level down: real server `rs` of the virtual server at `index` (one read
  // again) is already parsed; its item is a stub holding its address.
  std::function<std::optional<RealServer>(size_t index, size_t rs)> reuse_real_server = {};
  // false: for a worker that runs no real servers (VRRP, SNMP). Each virtual server comes
  // without them: only its first real server is read, for the family of a service that does
  // not say (a fwmark), and what concerns a virtual server's own real servers alone (listed
  // twice, mixed families, tunnel_type without tun) is left to the supervisor's full parse.
  // The checks across items (names, services, follow_instance) are the same.
  bool keep_real_servers = true;
};

using LoadResult = std::expected<Config, std::vector<ConfigError>>;

LoadResult load_file(const std::string& path, const LoadOptions& opts = {});
// With `tree`, a valid configuration's parsed tree is moved there (see node_codec.h).
LoadResult parse_text(const std::string& yaml_text, const std::string& file_name,
                      const LoadOptions& opts = {}, Node* tree = nullptr);
// The schema pass alone, over a tree parse_text() returned (possibly through encode_tree): the
// same checks and the same Config, without reading YAML again.
LoadResult parse_tree(const Node& root, const std::string& file_name, const LoadOptions& opts = {});

}  // namespace hadirector::config
