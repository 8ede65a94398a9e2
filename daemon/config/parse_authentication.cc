// One instance's `authentication` block (draft-cassen-vrrp-auth-hmac): keys by id, each secret
// read from a file that only its owner may read, the send key, the mode and the replay rule.
// The secret never enters an error message; only the file's name does.
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <expected>
#include <set>

#include "daemon/config/parse.h"

namespace hadirector::config::detail {
namespace {

constexpr size_t kKeyMinBytes = 32;  // the draft's floor: a 128-bit margin
constexpr size_t kKeyMaxBytes = 64;
constexpr size_t kFileMaxBytes = 4096;

std::string mode_text(mode_t mode) {
  std::array<char, 8> buf{};
  std::snprintf(buf.data(), buf.size(), "%04o", static_cast<unsigned>(mode & 07777));
  return buf.data();
}

std::optional<std::vector<uint8_t>> decode_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

// The file holds either "hex:" and the key in hex digits, or the key's raw bytes; one trailing
// newline is not part of the key (keepalived reads the same two forms).
std::expected<std::vector<uint8_t>, std::string> key_from_text(std::string text) {
  if (text.ends_with('\n')) text.pop_back();
  if (text.ends_with('\r')) text.pop_back();
  std::vector<uint8_t> key(text.begin(), text.end());
  if (text.starts_with("hex:")) {
    auto decoded = decode_hex(std::string_view(text).substr(4));
    if (!decoded) return std::unexpected("holds 'hex:' but not an even number of hex digits");
    key = std::move(*decoded);
  }
  if (key.size() < kKeyMinBytes || key.size() > kKeyMaxBytes)
    return std::unexpected("holds a key of " + std::to_string(key.size()) +
                           " bytes; 32 to 64 are required (e.g. 'hex:' and the output of "
                           "'openssl rand -hex 32')");
  return key;
}

// Refuses a file others can read or anyone but its owner can change: the key is a credential.
std::expected<std::vector<uint8_t>, std::string> read_key_file(const std::string& path) {
  if (!path.starts_with('/')) return std::unexpected("must be an absolute path");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return std::unexpected(std::string("cannot be opened: ") + std::strerror(errno));
  struct stat st {};
  std::string error;
  if (::fstat(fd, &st) != 0) {
    error = std::string("cannot be examined: ") + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    error = "is not a regular file";
  } else if (st.st_mode & (S_IRWXO | S_IWGRP)) {
    error = "has mode " + mode_text(st.st_mode) +
            ", readable or writable by others; keep it 0600 or 0640 (chmod o-rwx,g-w)";
  } else if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    error = "must be owned by root or by the daemon's user";
  }
  std::string text;
  if (error.empty()) {
    std::array<char, kFileMaxBytes + 1> buf{};
    ssize_t n = 0;
    while (text.size() <= kFileMaxBytes &&
           (n = ::read(fd, buf.data(), buf.size() - text.size())) > 0)
      text.append(buf.data(), static_cast<size_t>(n));
    if (n < 0) error = std::string("cannot be read: ") + std::strerror(errno);
    ::explicit_bzero(buf.data(), buf.size());
  }
  ::close(fd);
  if (!error.empty()) return std::unexpected(error);
  auto key = key_from_text(std::move(text));
  ::explicit_bzero(text.data(), text.size());
  return key;
}

std::optional<AuthKeyConfig> parse_key(const Node& item, Errors& errors) {
  MapReader r(&item, "authentication key", errors);
  if (!r.is_map()) return std::nullopt;
  AuthKeyConfig key;
  r.read("id", key.id, 1, 255, true);
  if (r.read("secret_file", key.secret_file, true)) {
    auto secret = read_key_file(key.secret_file);
    if (secret)
      key.secret = std::move(*secret);
    else
      errors.add(r.get("secret_file")->mark, "key file " + key.secret_file + " " + secret.error());
  }
  r.finish();
  return key;
}

void parse_keys(MapReader& r, Authentication& auth) {
  const Node* list = r.require("keys");
  std::map<int, Mark> seen;
  for (const Node& item : *to_list(list, "keys", r.errors())) {
    auto key = parse_key(item, r.errors());
    if (!key) continue;
    if (key->id != 0) {
      if (auto [it, fresh] = seen.emplace(key->id, item.mark); !fresh)
        r.errors().add(item.mark, "authentication key id " + std::to_string(key->id) +
                                      " is defined twice (first at " + line_col(it->second) + ")");
    }
    auth.keys.push_back(std::move(*key));
  }
  if (list != nullptr && auth.keys.empty() && (list->kind != Node::Kind::kScalar))
    r.errors().add(list->mark, "'keys' must list at least one key");
}

void parse_send_key(MapReader& r, Authentication& auth) {
  const Node* node = r.get("send_key");
  if (node == nullptr) {
    if (auth.keys.size() == 1) auth.send_key = auth.keys.front().id;
    if (auth.keys.size() > 1)
      r.errors().add(r.mark(),
                     "'send_key' must name the key adverts are signed with when "
                     "several keys are listed");
    return;
  }
  r.read("send_key", auth.send_key, 1, 255);
  if (auth.send_key != 0 &&
      std::ranges::find(auth.keys, auth.send_key, &AuthKeyConfig::id) == auth.keys.end())
    r.errors().add(node->mark, "'send_key' " + std::to_string(auth.send_key) +
                                   " is not one of the ids in 'keys'");
}

}  // namespace

void parse_authentication(MapReader& instance, VrrpInstance& out) {
  const Node* node = instance.get("authentication");
  if (node == nullptr) return;
  MapReader r(node, "authentication", instance.errors());
  if (!r.is_map()) return;
  Authentication auth;
  if (const Node* type = r.require("type"))
    (void)to_choice(*type, "type", {"hmac-sha256"}, r.errors());
  parse_keys(r, auth);
  parse_send_key(r, auth);
  bool permissive = false, monotonic = false;
  r.read_choice("mode", permissive, {"enforce", "permissive"});
  r.read_choice("replay", monotonic, {"time", "monotonic"});
  auth.permissive = permissive;
  auth.replay_monotonic = monotonic;
  if (r.read("window", auth.window) && auth.window) {
    const Duration w = *auth.window;
    if (w < std::chrono::seconds(1) || w > std::chrono::seconds(300) || w.count() % 1000 != 0)
      r.errors().add(r.get("window")->mark,
                     "'window' must be whole seconds from 1s to 300s, got " + format_duration(w));
    else if (monotonic)
      r.errors().add(r.get("window")->mark, "'window' applies to 'replay: time' only");
  }
  if (instance.get("auth_password") != nullptr && out.auth_password)
    r.errors().add(r.mark(),
                   "'authentication' and 'auth_password' exclude each other; the "
                   "HMAC replaces the VRRPv2 password");
  r.finish();
  out.authentication = std::move(auth);
}

}  // namespace hadirector::config::detail
