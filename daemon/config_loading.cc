#include "daemon/config_loading.h"

#include <memory>

#include "checkers/registry.h"
#include "daemon/config/node_codec.h"
#include "daemon/script_permissions.h"

namespace hadirector::daemon {
namespace {

// What the YAML alone cannot tell: a script that would run as root from a file others can change.
config::LoadResult refuse_unsafe_scripts(config::LoadResult loaded) {
  if (!loaded) return loaded;
  auto errors = check_root_scripts(*loaded);
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return loaded;
}

}  // namespace

config::LoadOptions daemon_load_options() {
  auto registry = std::make_shared<checkers::CheckerRegistry>();
  checkers::register_builtin_checkers(*registry);
  config::LoadOptions options;
  // Each checker type validates its own keys (a check's `params`).
  options.validate_check = [registry](const config::CheckSpec& check) {
    return registry->validate(check.type, check.origin.mark, check.params);
  };
  return options;
}

config::LoadResult load_config_file(const std::string& path) {
  return refuse_unsafe_scripts(config::load_file(path, daemon_load_options()));
}

config::LoadResult load_config_text(const std::string& text, const std::string& path,
                                    std::string* tree) {
  if (tree == nullptr)
    return refuse_unsafe_scripts(config::parse_text(text, path, daemon_load_options()));
  config::Node root;
  auto loaded = refuse_unsafe_scripts(config::parse_text(text, path, daemon_load_options(), &root));
  if (loaded) *tree = config::encode_tree(root);
  return loaded;
}

config::LoadResult load_config_tree(const std::string& tree, const std::string& path) {
  auto root = config::decode_tree(tree);
  if (!root) return std::unexpected(std::vector<config::ConfigError>{{{path, 0, 0}, root.error()}});
  return refuse_unsafe_scripts(config::parse_tree(*root, path, daemon_load_options()));
}

std::string format_errors(const std::vector<config::ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

}  // namespace hadirector::daemon
