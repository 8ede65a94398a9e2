// The table of checker types the daemon knows, filled explicitly at start-up by
// register_builtin_checkers(): one line per type, so `grep` finds every plug-in. No static
// initialisers, no global state: the daemon owns its registry.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "checkers/checker.h"

namespace hadirector::checkers {

class CheckerRegistry {
 public:
  // Aborts on a duplicate type: two plug-ins claiming one name is a programming error.
  void add(std::unique_ptr<CheckerFactory> factory);
  const CheckerFactory* find(const std::string& type) const;
  std::vector<std::string> types() const;

  // Validates a check block for `type`; an unknown type is one error at `type_mark`.
  std::vector<config::ConfigError> validate(const std::string& type, const config::Mark& type_mark,
                                            const config::Node& params) const;

 private:
  std::map<std::string, std::unique_ptr<CheckerFactory>> factories_;
};

void register_builtin_checkers(CheckerRegistry& registry);

}  // namespace hadirector::checkers
