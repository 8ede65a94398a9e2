// Reads a check block's type-specific keys (a config::Node map) into typed values, collecting
// FILE:LINE:COL errors instead of stopping at the first, and rejects keys nobody asked for with
// a did-you-mean hint. Shared by every checker factory; knows nothing about any one type.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "daemon/config/node.h"
#include "daemon/core/result.h"

namespace hadirector::checkers {

class ParamReader {
 public:
  // `what` names the block in messages, e.g. "http check".
  ParamReader(std::string what, const config::Node& params);

  // Each getter marks `key` as known; an absent key yields nullopt and no error.
  const config::Node* node(const std::string& key);
  std::optional<std::string> string(const std::string& key);
  std::optional<bool> boolean(const std::string& key);
  std::optional<int64_t> integer(const std::string& key, int64_t min, int64_t max);
  std::optional<std::map<std::string, std::string>> string_map(const std::string& key);
  // A scalar or a sequence of scalars, with the node of each item for error marks.
  std::vector<const config::Node*> scalar_list(const std::string& key);

  // An ECMAScript regular expression; a bad pattern is an error at its node.
  std::shared_ptr<const std::regex> regex(const std::string& key);

  void error(const config::Mark& mark, std::string message);
  // Appends the unknown-key errors and returns everything found; call once, last.
  std::vector<config::ConfigError> finish();

 private:
  std::string what_;
  const config::Node& params_;
  std::set<std::string> known_;
  std::vector<config::ConfigError> errors_;
};

// The factories' create(): the first validation error as a kInvalid Error, if any.
core::Status first_error(const std::vector<config::ConfigError>& errors);

// "; did you mean 'expect_status'?" when a candidate is close, else "; expected one of: a, b".
std::string suggestion_suffix(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace hadirector::checkers
