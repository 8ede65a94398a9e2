// `type: file`: reads a small state file that an operator or a deploy tool writes: `up`,
// `down`, `drain`, `maint`, or a weight share as a number ("50" or "50%", as the agent check).
// The file is opened non-blocking, must be a regular file of at most kMaxFileSize bytes, and a
// missing file means down ("file-missing") unless `missing: up`. It does not watch the file.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/checker.h"

namespace hadirector::checkers::file {

inline constexpr size_t kMaxFileSize = 4096;

struct FileParams {
  std::string path;
  bool missing_up = false;
};

FileParams parse_file_params(const config::Node& params, std::vector<config::ConfigError>& errors);

// The verdict on the file's contents (first non-blank line; case-insensitive).
ProbeResult interpret_file_state(std::string_view contents);

// Reads `params.path` and judges it; blocking only as long as a small local read does.
ProbeResult read_file_state(const FileParams& params);

}  // namespace hadirector::checkers::file

namespace hadirector::checkers {

class FileCheckerFactory final : public CheckerFactory {
 public:
  std::string type() const override { return "file"; }
  std::vector<config::ConfigError> validate(const config::Node& params) const override;
  core::Result<std::unique_ptr<Checker>> create(const CheckTarget& target,
                                                const config::Node& params,
                                                CheckContext& context) const override;
};

}  // namespace hadirector::checkers
