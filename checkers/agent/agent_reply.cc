#include "checkers/agent/agent_reply.h"

#include <cctype>
#include <charconv>

namespace hadirector::checkers::agent {

const char* to_string(AgentHealth h) {
  switch (h) {
    case AgentHealth::kUp:
      return "up";
    case AgentHealth::kDown:
      return "down";
    case AgentHealth::kFailed:
      return "failed";
    case AgentHealth::kStopped:
      return "stopped";
  }
  return "?";
}

namespace {

std::optional<unsigned> parse_unsigned(std::string_view s, unsigned max) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value > max)
    return std::nullopt;
  return value;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// Applies one word to the reply; returns false when the word is malformed.
bool apply_word(std::string_view original, AgentReply& reply) {
  // HAProxy matches the keywords without regard to case.
  std::string lowered(original);
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string_view word = lowered;
  static constexpr std::pair<std::string_view, AgentHealth> kHealth[] = {
      {"up", AgentHealth::kUp},
      {"down", AgentHealth::kDown},
      {"failed", AgentHealth::kFailed},
      {"stopped", AgentHealth::kStopped}};
  static constexpr std::pair<std::string_view, AgentAdmin> kAdmin[] = {
      {"ready", AgentAdmin::kReady}, {"drain", AgentAdmin::kDrain}, {"maint", AgentAdmin::kMaint}};
  for (const auto& [name, health] : kHealth)
    if (word == name) return reply.health = health, true;
  for (const auto& [name, admin] : kAdmin)
    if (word == name) return reply.advice.admin = admin, true;
  if (word.back() == '%') {
    auto percent = parse_unsigned(word.substr(0, word.size() - 1), kMaxWeightPercent);
    reply.advice.weight_percent = percent;
    return percent.has_value();
  }
  if (word.starts_with("maxconn:")) {
    auto maxconn = parse_unsigned(word.substr(8), 1u << 30);
    reply.advice.maxconn = maxconn;
    return maxconn.has_value();
  }
  reply.ignored_words.emplace_back(original);
  return true;
}

}  // namespace

core::Result<AgentReply> parse_agent_reply(std::string_view reply) {
  reply = reply.substr(0, reply.find('\n'));
  AgentReply out;
  const size_t hash = reply.find('#');
  if (hash != std::string_view::npos) {
    out.reason = std::string(trim(reply.substr(hash + 1)));
    reply = reply.substr(0, hash);
  }
  bool any = hash != std::string_view::npos && !out.reason.empty();
  size_t pos = 0;
  while (pos < reply.size()) {
    const size_t start = reply.find_first_not_of(" \t,\r", pos);
    if (start == std::string_view::npos) break;
    size_t end = reply.find_first_of(" \t,\r", start);
    if (end == std::string_view::npos) end = reply.size();
    std::string_view word = reply.substr(start, end - start);
    if (!apply_word(word, out))
      return core::fail(core::Errc::kProtocol, "bad agent word '" + std::string(word) + "'");
    any = true;
    pos = end;
  }
  if (!any) return core::fail(core::Errc::kProtocol, "empty agent reply");
  return out;
}

}  // namespace hadirector::checkers::agent
