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

std::vector<config::ConfigError> one_error(const std::string& path, std::string message) {
  std::vector<config::ConfigError> errors;
  errors.push_back({config::Mark{path, 0, 0}, std::move(message)});
  return errors;
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
  std::vector<config::VirtualServer> none;
  return load_config_tree(tree, path, {}, none);
}

config::LoadResult load_config_reload(const std::string& text, const std::string& path,
                                      const config::ReloadParser& parser,
                                      const std::vector<config::VirtualServer>& previous,
                                      std::string& tree, std::vector<config::ReusedRun>& reused,
                                      config::Node* stub_tree) {
  auto fast = parser.parse(text, path, daemon_load_options(), previous);
  if (!fast) {
    reused.clear();
    return load_config_text(text, path, &tree);
  }
  auto loaded = refuse_unsafe_scripts(std::move(fast->config));
  if (loaded) {
    tree = config::encode_tree(fast->stub_tree);
    reused = std::move(fast->reused);
    if (stub_tree) *stub_tree = std::move(fast->stub_tree);
  }
  return loaded;
}

config::LoadResult load_config_tree(const std::string& tree, const std::string& path,
                                    const std::vector<config::ReusedRun>& reused,
                                    std::vector<config::VirtualServer>& previous,
                                    config::Node* spent, bool keep_real_servers) {
  auto root = config::decode_tree(tree);
  if (!root) return std::unexpected(one_error(path, root.error()));
  config::LoadOptions options = daemon_load_options();
  options.keep_real_servers = keep_real_servers;
  if (!reused.empty()) config::take_from(reused, previous, options);
  auto loaded = refuse_unsafe_scripts(config::parse_tree(*root, path, options));
  if (spent) *spent = std::move(*root);
  return loaded;
}

// A run of whole virtual servers is [index, previous, count, line_shift]; one of real servers
// adds [rs, previous_rs].
nlohmann::json reused_to_json(const std::vector<config::ReusedRun>& runs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : runs) {
    out.push_back({r.index, r.previous, r.count, r.line_shift});
    if (!r.whole()) {
      out.back().push_back(r.rs);
      out.back().push_back(r.previous_rs);
    }
  }
  return out;
}

std::optional<std::vector<config::ReusedRun>> reused_from_json(const nlohmann::json& runs) {
  if (!runs.is_array()) return std::nullopt;
  std::vector<config::ReusedRun> out;
  for (const auto& r : runs) {
    if (!r.is_array() || (r.size() != 4 && r.size() != 6)) return std::nullopt;
    for (size_t i = 0; i < r.size(); ++i)
      if (i != 3 && !r[i].is_number_unsigned()) return std::nullopt;
    if (!r[3].is_number_integer()) return std::nullopt;
    const auto shift = r[3].get<int64_t>();
    if (shift < INT32_MIN || shift > INT32_MAX) return std::nullopt;
    config::ReusedRun run{r[0].get<size_t>(), r[1].get<size_t>(), r[2].get<size_t>(),
                          static_cast<int>(shift)};
    if (r.size() == 6) {
      run.rs = r[4].get<size_t>();
      run.previous_rs = r[5].get<size_t>();
      if (run.whole()) return std::nullopt;
    }
    out.push_back(run);
  }
  return out;
}

std::string format_errors(const std::vector<config::ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

}  // namespace hadirector::daemon
