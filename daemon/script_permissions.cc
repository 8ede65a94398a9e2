#include "daemon/script_permissions.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace hadirector::daemon {
namespace {

std::optional<std::string> find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// The file itself, then each directory up to "/".
std::optional<std::string> unsafe_chain(const std::filesystem::path& file) {
  for (std::filesystem::path p = file;; p = p.parent_path()) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return std::nullopt;
    const bool dir = S_ISDIR(st.st_mode);
    if (st.st_uid != 0)
      return p.string() + " belongs to uid " + std::to_string(st.st_uid) + ", not root";
    const bool sticky = dir && (st.st_mode & S_ISVTX) != 0;
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !sticky)
      return p.string() + " is writable by group or other (mode " + octal(st.st_mode) + ")";
    if (p == p.root_path() || p.parent_path() == p) return std::nullopt;
  }
}

std::string script_program(const config::VrrpScript& s) {
  if (s.command.empty()) return {};
  if (!s.shell) return s.command.front();
  // `shell: true`: /bin/sh runs the string; judge the program it starts when that is a path.
  const std::string& line = s.command.front();
  const size_t end = line.find_first_of(" \t");
  const std::string first = line.substr(0, end);
  return first.starts_with('/') ? first : "/bin/sh";
}

void judge(const std::string& program, const std::string& what, const config::Mark& mark,
           std::vector<config::ConfigError>& errors) {
  if (program.empty()) return;
  if (auto why = unsafe_for_root(program))
    errors.push_back({mark, what + " runs as root from a file others could change: " + *why +
                                "; make it root's and not group/other-writable, or set 'user'"});
}

}  // namespace

std::optional<std::string> unsafe_for_root(const std::string& program) {
  std::optional<std::string> path =
      program.find('/') == std::string::npos ? find_in_path(program) : program;
  if (!path) return std::nullopt;
  std::error_code ec;
  const auto real = std::filesystem::canonical(*path, ec);
  if (ec) return std::nullopt;
  return unsafe_chain(real);
}

std::vector<config::ConfigError> check_root_scripts(const config::Config& config) {
  std::vector<config::ConfigError> errors;
  const bool default_user = config.global.script_user.has_value();
  for (const auto& s : config.vrrp.scripts)
    if (!s.user && !default_user)
      judge(script_program(s), "script '" + s.name + "'", s.origin.mark, errors);
  for (const auto& i : config.vrrp.instances) {
    if (default_user) break;
    const auto& n = i.notify;
    for (const auto* argv : {&n.master, &n.backup, &n.fault, &n.stop, &n.any})
      if (!argv->empty())
        judge(argv->front(), "notify of instance '" + i.name + "'", i.origin.mark, errors);
  }
  for (const auto& vs : config.virtual_servers)
    for (const auto& rs : vs.real_servers)
      for (const auto& check : rs.checks) {
        if (check.type != "exec" || check.params.find("user")) continue;
        const config::Node* command = check.params.find("command");
        if (!command || command->kind != config::Node::Kind::kSequence || command->items.empty())
          continue;
        judge(command->items.front().scalar, "exec check of " + vs.name, command->mark, errors);
      }
  return errors;
}

}  // namespace hadirector::daemon
