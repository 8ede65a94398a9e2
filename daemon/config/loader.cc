// Entry points of the loader: read the file, build the Node tree, run the section parsers and
// return the Config or all errors in file order.
#include "daemon/config/loader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "daemon/config/parse.h"
#include "daemon/config/yaml_reader.h"

namespace hadirector::config {
namespace {

std::string short_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "hadirector";
  std::string name(buf);
  return name.substr(0, name.find('.'));
}

void check_version(detail::MapReader& r, const Node& root, detail::Errors& errors) {
  const Node* version = r.get("version");
  if (version == nullptr)
    errors.add(root.mark, "missing required key 'version' (this hadirectord reads 'version: 1')");
  else if (version->kind != Node::Kind::kScalar || version->scalar != "1")
    errors.add(version->mark, "unsupported configuration version " + detail::describe(*version) +
                                  "; this hadirectord reads 'version: 1'");
}

std::vector<ConfigError> in_file_order(std::vector<ConfigError> errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::pair(a.mark.line, a.mark.column) < std::pair(b.mark.line, b.mark.column);
  });
  return errors;
}

// The schema pass over a tree, after whatever errors reading it found.
LoadResult parse_root(const Node& root, const std::string& file_name, const LoadOptions& opts,
                      detail::Errors& errors) {
  if (root.kind != Node::Kind::kMap) {
    errors.add(root.mark, "the configuration must be a map starting with 'version: 1', got " +
                              std::string(detail::kind_name(root)));
    return std::unexpected(in_file_order(std::move(errors.list())));
  }
  Config config;
  config.source_path = file_name;
  detail::MapReader r(&root, "the top level", errors);
  check_version(r, root, errors);
  detail::ParseContext ctx{errors, opts, detail::collect_names(root)};
  detail::parse_global(r.get("global"), ctx, config.global);
  detail::parse_vrrp(r.get("vrrp"), ctx, config.vrrp);
  detail::parse_virtual_servers(r.get("virtual_servers"), ctx, config.virtual_servers);
  config.sync = detail::parse_sync(r.get("sync"), ctx);
  detail::parse_control(r.get("control"), ctx, config.control);
  config.snmp = detail::parse_snmp(r.get("snmp"), ctx);
  r.finish();
  if (errors.count() > 0) return std::unexpected(in_file_order(std::move(errors.list())));
  if (config.global.router_id.empty())
    config.global.router_id =
        opts.default_router_id.empty() ? short_hostname() : opts.default_router_id;
  return config;
}

}  // namespace

LoadResult parse_text(const std::string& yaml_text, const std::string& file_name,
                      const LoadOptions& opts, Node* tree) {
  detail::YamlReadResult read = detail::read_yaml(yaml_text, file_name);
  detail::Errors errors;
  errors.add_all(read.errors);
  if (!read.root) return std::unexpected(in_file_order(std::move(errors.list())));
  LoadResult loaded = parse_root(*read.root, file_name, opts, errors);
  if (loaded) loaded->read_by_fallback = read.by_yaml_cpp;
  if (loaded && tree != nullptr) *tree = std::move(*read.root);
  return loaded;
}

LoadResult parse_tree(const Node& root, const std::string& file_name, const LoadOptions& opts) {
  detail::Errors errors;
  return parse_root(root, file_name, opts, errors);
}

LoadResult load_file(const std::string& path, const LoadOptions& opts) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return std::unexpected(std::vector<ConfigError>{
        {Mark{path, 0, 0}, std::string("cannot read configuration: ") + std::strerror(err)}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_text(text.str(), path, opts);
}

}  // namespace hadirector::config
