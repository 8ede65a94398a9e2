#include "checkers/param_reader.h"

#include <algorithm>
#include <charconv>

namespace hadirector::checkers {

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

core::Status first_error(const std::vector<config::ConfigError>& errors) {
  if (errors.empty()) return {};
  return core::fail(core::Errc::kInvalid, errors.front().to_string());
}

std::string suggestion_suffix(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_distance) best = &c, best_distance = d;
  }
  if (best) return "; did you mean '" + *best + "'?";
  std::string list;
  for (const auto& c : candidates) list += (list.empty() ? "" : ", ") + c;
  return "; expected one of: " + list;
}

ParamReader::ParamReader(std::string what, const config::Node& params)
    : what_(std::move(what)), params_(params) {
  if (params_.kind != config::Node::Kind::kMap && params_.kind != config::Node::Kind::kNull)
    error(params_.mark, what_ + " must be a map of keys");
}

const config::Node* ParamReader::node(const std::string& key) {
  known_.insert(key);
  return params_.kind == config::Node::Kind::kMap ? params_.find(key) : nullptr;
}

std::optional<std::string> ParamReader::string(const std::string& key) {
  const config::Node* n = node(key);
  if (!n) return std::nullopt;
  if (n->kind != config::Node::Kind::kScalar) {
    error(n->mark, "'" + key + "' must be a single value");
    return std::nullopt;
  }
  return n->scalar;
}

std::optional<bool> ParamReader::boolean(const std::string& key) {
  auto text = string(key);
  if (!text) return std::nullopt;
  if (*text == "true" || *text == "yes" || *text == "on") return true;
  if (*text == "false" || *text == "no" || *text == "off") return false;
  error(node(key)->mark, "'" + key + "' must be true or false, not '" + *text + "'");
  return std::nullopt;
}

std::optional<int64_t> ParamReader::integer(const std::string& key, int64_t min, int64_t max) {
  auto text = string(key);
  if (!text) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max) {
    error(node(key)->mark, "'" + key + "' must be an integer from " + std::to_string(min) + " to " +
                               std::to_string(max) + ", not '" + *text + "'");
    return std::nullopt;
  }
  return value;
}

std::optional<std::map<std::string, std::string>> ParamReader::string_map(const std::string& key) {
  const config::Node* n = node(key);
  if (!n) return std::nullopt;
  if (n->kind != config::Node::Kind::kMap) {
    error(n->mark, "'" + key + "' must be a map");
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : n->entries) {
    if (v.kind != config::Node::Kind::kScalar) {
      error(v.mark, "'" + key + "." + k + "' must be a single value");
      continue;
    }
    out[k] = v.scalar;
  }
  return out;
}

std::vector<const config::Node*> ParamReader::scalar_list(const std::string& key) {
  const config::Node* n = node(key);
  if (!n) return {};
  if (n->kind == config::Node::Kind::kScalar) return {n};
  std::vector<const config::Node*> out;
  if (n->kind != config::Node::Kind::kSequence) {
    error(n->mark, "'" + key + "' must be a value or a list of values");
    return out;
  }
  for (const auto& item : n->items) {
    if (item.kind == config::Node::Kind::kScalar)
      out.push_back(&item);
    else
      error(item.mark, "each item of '" + key + "' must be a single value");
  }
  return out;
}

std::shared_ptr<const std::regex> ParamReader::regex(const std::string& key) {
  auto text = string(key);
  if (!text) return nullptr;
  // std::regex reports a bad pattern only by throwing; this is that library's boundary.
  try {
    return std::make_shared<const std::regex>(*text, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    error(node(key)->mark, "'" + key + "' is not a valid regular expression: " + e.what());
    return nullptr;
  }
}

void ParamReader::error(const config::Mark& mark, std::string message) {
  errors_.push_back(config::ConfigError{mark, std::move(message)});
}

std::vector<config::ConfigError> ParamReader::finish() {
  if (params_.kind == config::Node::Kind::kMap) {
    const std::vector<std::string> known(known_.begin(), known_.end());
    for (const auto& [key, value] : params_.entries) {
      if (known_.contains(key)) continue;
      auto mark_it = params_.key_marks.find(key);
      const config::Mark& mark = mark_it != params_.key_marks.end() ? mark_it->second : value.mark;
      error(mark, "unknown key '" + key + "' in " + what_ + suggestion_suffix(key, known));
    }
  }
  return std::move(errors_);
}

}  // namespace hadirector::checkers
