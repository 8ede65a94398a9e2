// Reading fields from JSON that came from outside the process (control requests, worker
// messages) without nlohmann's exceptions: a missing or mistyped field yields the fallback.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace hadirector::daemon {

inline std::string json_string(const nlohmann::json& j, const char* key,
                               const std::string& fallback = "") {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

inline uint64_t json_u64(const nlohmann::json& j, const char* key, uint64_t fallback = 0) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : fallback;
}

inline bool json_bool(const nlohmann::json& j, const char* key, bool fallback = false) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

inline nlohmann::json json_object(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nlohmann::json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : nlohmann::json::object();
}

}  // namespace hadirector::daemon
