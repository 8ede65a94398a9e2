#include "daemon/config/reader.h"

#include <algorithm>
#include <charconv>

namespace hadirector::config::detail {
namespace {

std::string quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

// Optimal string alignment distance: Levenshtein plus adjacent transpositions.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

bool is_scalar(const Node& node, std::string_view key, std::string_view expected, Errors& errors) {
  if (node.kind == Node::Kind::kScalar) return true;
  errors.add(node.mark,
             quoted(key) + " must be " + std::string(expected) + ", got " + kind_name(node));
  return false;
}

}  // namespace

const char* kind_name(const Node& node) {
  switch (node.kind) {
    case Node::Kind::kNull:
      return "nothing";
    case Node::Kind::kScalar:
      return "a string";
    case Node::Kind::kSequence:
      return "a list";
    case Node::Kind::kMap:
      return "a map";
  }
  return "?";
}

std::string describe(const Node& node) {
  return node.kind == Node::Kind::kScalar ? "'" + node.scalar + "'" : kind_name(node);
}

std::string line_col(const Mark& mark) {
  return std::to_string(mark.line) + ":" + std::to_string(mark.column);
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = 3;
  for (const std::string& candidate : candidates) {
    size_t distance = edit_distance(word, candidate);
    if (distance < best_distance && distance < candidate.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::optional<std::string> to_str(const Node& node, std::string_view key, Errors& errors) {
  if (!is_scalar(node, key, "a string", errors)) return std::nullopt;
  return node.scalar;
}

std::optional<std::string> to_nonempty_str(const Node& node, std::string_view key, Errors& errors) {
  auto value = to_str(node, key, errors);
  if (value && value->empty()) {
    errors.add(node.mark, quoted(key) + " must not be empty");
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> to_int(const Node& node, std::string_view key, int64_t min, int64_t max,
                              Errors& errors) {
  if (!is_scalar(node, key, "an integer", errors)) return std::nullopt;
  const std::string& s = node.scalar;
  int64_t value = 0;
  const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range && ptr == s.data() + s.size()) {
    value = s[0] == '-' ? INT64_MIN : INT64_MAX;
  } else if (ec != std::errc() || ptr != s.data() + s.size()) {
    errors.add(node.mark, quoted(key) + " must be an integer, got '" + s + "'");
    return std::nullopt;
  }
  if (value < min || value > max) {
    errors.add(node.mark, quoted(key) + " must be between " + std::to_string(min) + " and " +
                              std::to_string(max) + ", got " + s);
    return std::nullopt;
  }
  return value;
}

std::optional<bool> to_bool(const Node& node, std::string_view key, Errors& errors) {
  if (!is_scalar(node, key, "true or false", errors)) return std::nullopt;
  const std::string& s = node.scalar;
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  errors.add(node.mark, quoted(key) + " must be true or false, got '" + s + "'");
  return std::nullopt;
}

std::optional<Duration> to_duration(const Node& node, std::string_view key, Errors& errors) {
  if (!is_scalar(node, key, "a duration such as 10ms, 1s, 2m", errors)) return std::nullopt;
  auto parsed = parse_duration(node.scalar);
  if (!parsed) {
    errors.add(node.mark, quoted(key) + ": " + parsed.error().context());
    return std::nullopt;
  }
  auto ms = std::chrono::duration_cast<Duration>(*parsed);
  if (ms != *parsed) {
    errors.add(node.mark,
               quoted(key) + " must be a whole number of milliseconds, got " + node.scalar);
    return std::nullopt;
  }
  return ms;
}

std::optional<IpAddress> to_address(const Node& node, std::string_view key, Errors& errors) {
  if (!is_scalar(node, key, "an IP address", errors)) return std::nullopt;
  auto parsed = IpAddress::from_string(node.scalar);
  if (!parsed) errors.add(node.mark, quoted(key) + ": " + parsed.error().context());
  return parsed ? std::optional(*parsed) : std::nullopt;
}

std::optional<IpPrefix> to_prefix(const Node& node, std::string_view key, Errors& errors) {
  if (!is_scalar(node, key, "an address with optional /prefix", errors)) return std::nullopt;
  auto parsed = IpPrefix::from_string(node.scalar);
  if (!parsed) errors.add(node.mark, quoted(key) + ": " + parsed.error().context());
  return parsed ? std::optional(*parsed) : std::nullopt;
}

std::optional<Endpoint> to_endpoint(const Node& node, std::string_view key, Errors& errors,
                                    bool port_optional) {
  if (!is_scalar(node, key, "ADDRESS:PORT", errors)) return std::nullopt;
  auto parsed = Endpoint::from_string(node.scalar, port_optional);
  if (!parsed) errors.add(node.mark, quoted(key) + ": " + parsed.error().context());
  return parsed ? std::optional(*parsed) : std::nullopt;
}

std::optional<std::vector<std::string>> to_str_list(const Node& node, std::string_view key,
                                                    Errors& errors) {
  if (node.kind == Node::Kind::kNull) return std::vector<std::string>{};
  if (node.kind != Node::Kind::kSequence) {
    errors.add(node.mark, quoted(key) + " must be a list of strings, got " + kind_name(node));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const Node& item : node.items) {
    if (item.kind != Node::Kind::kScalar) {
      errors.add(item.mark, quoted(key) + " must be a list of strings, got " + kind_name(item) +
                                " in the list");
      return std::nullopt;
    }
    out.push_back(item.scalar);
  }
  return out;
}

std::optional<size_t> to_choice(const Node& node, std::string_view key,
                                std::initializer_list<std::string_view> names, Errors& errors) {
  std::string choices;
  for (std::string_view name : names) choices += (choices.empty() ? "" : ", ") + std::string(name);
  if (!is_scalar(node, key, "one of " + choices, errors)) return std::nullopt;
  size_t index = 0;
  for (std::string_view name : names) {
    if (node.scalar == name) return index;
    ++index;
  }
  errors.add(node.mark, quoted(key) + " must be one of " + choices + "; got '" + node.scalar + "'");
  return std::nullopt;
}

const std::vector<Node>* to_list(const Node* node, std::string_view key, Errors& errors) {
  static const std::vector<Node> kEmpty;
  if (node == nullptr || node->kind == Node::Kind::kNull) return &kEmpty;
  if (node->kind == Node::Kind::kSequence) return &node->items;
  errors.add(node->mark, quoted(key) + " must be a list, got " + kind_name(*node));
  return &kEmpty;
}

MapReader::MapReader(const Node* node, std::string what, Errors& errors)
    : what_(std::move(what)), errors_(errors) {
  if (node == nullptr) return;
  mark_ = node->mark;
  if (node->kind == Node::Kind::kMap) {
    map_ = node;
  } else if (node->kind != Node::Kind::kNull) {
    wrong_kind_ = true;
    errors_.add(node->mark, what_ + " must be a map, got " + kind_name(*node));
  }
}

const Node* MapReader::get(std::string_view key) {
  known_.emplace_back(key);
  return map_ ? map_->find(std::string(key)) : nullptr;
}

const Node* MapReader::require(std::string_view key) {
  const Node* node = get(key);
  if (node == nullptr && !wrong_kind_ && mark_.line != 0)
    errors_.add(mark_, "missing required key " + quoted(key) + " in " + what_);
  return node;
}

Mark MapReader::key_mark(std::string_view key) const {
  if (map_ == nullptr) return mark_;
  auto it = map_->key_marks.find(std::string(key));
  return it == map_->key_marks.end() ? mark_ : it->second;
}

bool MapReader::read(std::string_view key, std::string& out, bool required) {
  const Node* node = required ? require(key) : get(key);
  if (node == nullptr) return false;
  if (auto value = to_nonempty_str(*node, key, errors_)) out = *value;
  return true;
}

bool MapReader::read(std::string_view key, std::optional<std::string>& out) {
  const Node* node = get(key);
  if (node == nullptr) return false;
  if (auto value = to_nonempty_str(*node, key, errors_)) out = *value;
  return true;
}

bool MapReader::read(std::string_view key, bool& out) {
  const Node* node = get(key);
  if (node == nullptr) return false;
  if (auto value = to_bool(*node, key, errors_)) out = *value;
  return true;
}

bool MapReader::read(std::string_view key, int& out, int64_t min, int64_t max, bool required) {
  const Node* node = required ? require(key) : get(key);
  if (node == nullptr) return false;
  if (auto value = to_int(*node, key, min, max, errors_)) out = static_cast<int>(*value);
  return true;
}

bool MapReader::read(std::string_view key, Duration& out) {
  const Node* node = get(key);
  if (node == nullptr) return false;
  if (auto value = to_duration(*node, key, errors_)) out = *value;
  return true;
}

bool MapReader::read(std::string_view key, std::optional<Duration>& out) {
  const Node* node = get(key);
  if (node == nullptr) return false;
  if (auto value = to_duration(*node, key, errors_)) out = *value;
  return true;
}

bool MapReader::read(std::string_view key, std::vector<std::string>& out) {
  const Node* node = get(key);
  if (node == nullptr) return false;
  if (auto value = to_str_list(*node, key, errors_)) out = std::move(*value);
  return true;
}

void MapReader::finish() {
  if (map_ == nullptr) return;
  for (const auto& [key, value] : map_->entries) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string message = "unknown key " + quoted(key) + " in " + what_;
    if (std::string best = closest_match(key, known_); !best.empty())
      message += "; did you mean " + quoted(best) + "?";
    errors_.add(key_mark(key), message);
  }
}

Node MapReader::rest() const {
  Node out;
  out.kind = Node::Kind::kMap;
  out.mark = mark_;
  if (map_ == nullptr) return out;
  for (const auto& [key, value] : map_->entries) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    out.entries.emplace_back(key, value);
    out.key_marks[key] = key_mark(key);
  }
  return out;
}

}  // namespace hadirector::config::detail
