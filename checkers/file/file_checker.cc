#include "checkers/file/file_checker.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "checkers/agent/agent_reply.h"
#include "checkers/net/exchange_checker.h"
#include "checkers/param_reader.h"
#include "daemon/core/event_loop.h"
#include "daemon/core/unique_fd.h"

namespace hadirector::checkers::file {

FileParams parse_file_params(const config::Node& params, std::vector<config::ConfigError>& errors) {
  ParamReader reader("file check", params);
  FileParams out;
  if (auto path = reader.string("path")) {
    out.path = *path;
    if (path->empty() || path->front() != '/')
      reader.error(reader.node("path")->mark,
                   "'path' must be an absolute path, not '" + *path + "'");
  } else if (!reader.node("path")) {
    reader.error(params.mark, "file check needs 'path', the state file to read");
  }
  if (auto missing = reader.string("missing")) {
    if (*missing == "up" || *missing == "down")
      out.missing_up = *missing == "up";
    else
      reader.error(reader.node("missing")->mark,
                   "'missing' must be 'up' or 'down', not '" + *missing + "'");
  }
  for (auto& e : reader.finish()) errors.push_back(std::move(e));
  return out;
}

namespace {

std::string_view first_word(std::string_view text) {
  size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  size_t end = start;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
  return text.substr(start, end - start);
}

bool equals_lower(std::string_view word, std::string_view lower) {
  if (word.size() != lower.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(word[i])) != lower[i]) return false;
  return true;
}

ProbeResult with_advice(ProbeResult result, AgentAdvice advice) {
  result.agent = advice;
  return result;
}

}  // namespace

ProbeResult interpret_file_state(std::string_view contents) {
  const std::string_view word = first_word(contents);
  if (equals_lower(word, "up")) return ProbeResult::success("up");
  if (equals_lower(word, "down")) return ProbeResult::failure("file-down", "the file says down");
  if (equals_lower(word, "drain"))
    return with_advice(ProbeResult::success("drain"), AgentAdvice{AgentAdmin::kDrain, {}, {}});
  if (equals_lower(word, "maint"))
    return with_advice(ProbeResult::success("maint"), AgentAdvice{AgentAdmin::kMaint, {}, {}});
  std::string_view digits = word;
  if (!digits.empty() && digits.back() == '%') digits.remove_suffix(1);
  unsigned percent = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), percent);
  if (!digits.empty() && ec == std::errc() && end == digits.data() + digits.size() &&
      percent <= agent::kMaxWeightPercent)
    return with_advice(ProbeResult::success("weight " + std::to_string(percent) + "%"),
                       AgentAdvice{std::nullopt, percent, std::nullopt});
  return ProbeResult::failure("file-bad-content",
                              "expected up, down, drain, maint or a weight percentage, not \"" +
                                  net::printable(word) + "\"");
}

ProbeResult read_file_state(const FileParams& params) {
  // O_NONBLOCK: opening a FIFO someone put in its place must not hang the worker.
  core::UniqueFd fd(::open(params.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    if (errno == ENOENT)
      return params.missing_up ? ProbeResult::success("no " + params.path + " (missing: up)")
                               : ProbeResult::failure("file-missing", params.path + " not found");
    return ProbeResult::failure("file-unreadable", params.path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return ProbeResult::failure("file-not-regular", params.path + " is not a regular file");
  if (st.st_size > static_cast<off_t>(kMaxFileSize))
    return ProbeResult::failure(
        "file-too-large", params.path + " is over " + std::to_string(kMaxFileSize) + " bytes");
  char buffer[kMaxFileSize];
  const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
  if (n < 0)
    return ProbeResult::failure("file-unreadable", params.path + ": " + std::strerror(errno));
  return interpret_file_state(std::string_view(buffer, static_cast<size_t>(n)));
}

namespace {

class FileChecker final : public Checker {
 public:
  FileChecker(core::EventLoop& loop, std::string key, FileParams params)
      : loop_(loop), key_(std::move(key)), params_(std::move(params)) {}

  void start_probe(Done done) override {
    deferred_ = loop_.defer([this, done = std::move(done)] {
      ProbeResult result = read_file_state(params_);
      deferred_.cancel();
      done(std::move(result));  // last: may destroy this
    });
  }
  void cancel() override { deferred_.cancel(); }
  std::string key() const override { return key_; }

 private:
  core::EventLoop& loop_;
  std::string key_;
  FileParams params_;
  core::Handle deferred_;
};

}  // namespace
}  // namespace hadirector::checkers::file

namespace hadirector::checkers {

std::vector<config::ConfigError> FileCheckerFactory::validate(const config::Node& params) const {
  std::vector<config::ConfigError> errors;
  file::parse_file_params(params, errors);
  return errors;
}

core::Result<std::unique_ptr<Checker>> FileCheckerFactory::create(const CheckTarget& target,
                                                                  const config::Node& params,
                                                                  CheckContext& context) const {
  std::vector<config::ConfigError> errors;
  file::FileParams parsed = file::parse_file_params(params, errors);
  if (auto st = first_error(errors); !st) return std::unexpected(st.error());
  return std::make_unique<file::FileChecker>(context.loop, make_check_key(type(), target, params),
                                             std::move(parsed));
}

}  // namespace hadirector::checkers
