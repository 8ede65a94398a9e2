#include "checkers/exec/exec_checker.h"

#include <csignal>
#include <cstring>

#include "checkers/param_reader.h"

namespace hadirector::checkers::exec {

namespace {

// The CheckRunner's timeout cancels the probe (killing the command) long before this; it only
// bounds a command whose probe nobody cancels.
constexpr core::Duration kBackstopTimeout = std::chrono::hours(1);
// The first line is all a probe reports; keep a little more for a slow writer's first line.
constexpr size_t kMaxOutput = 4096;

void read_command(ParamReader& reader, const config::Mark& block, ExecParams& out) {
  const config::Node* node = reader.node("command");
  if (!node) return reader.error(block, "exec check needs 'command', a list like [/path, arg]");
  if (node->kind != config::Node::Kind::kSequence || node->items.empty())
    return reader.error(node->mark,
                        "'command' must be a non-empty list (argv, no shell) like "
                        "[/usr/lib/nagios/plugins/check_tcp, -p, '80']");
  for (const auto& item : node->items) {
    if (item.kind != config::Node::Kind::kScalar)
      return reader.error(item.mark, "each item of 'command' must be a single value");
    out.command.push_back(item.scalar);
  }
  if (out.command.front().empty())
    reader.error(node->items.front().mark, "'command' must start with a program");
}

void read_identity(ParamReader& reader, ExecParams& out) {
  out.user = reader.string("user");
  if (out.user && out.user->empty())
    reader.error(reader.node("user")->mark, "'user' must not be empty");
  if (auto env = reader.string_map("env")) {
    for (const auto& [key, value] : *env) {
      if (key.empty() || key.find('=') != std::string::npos)
        reader.error(reader.node("env")->mark,
                     "'env' names must be non-empty and contain no '=', not '" + key + "'");
    }
    out.env = std::move(*env);
  }
}

std::string first_line(const std::string& output) {
  std::string line = output.substr(0, output.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

ExecParams parse_exec_params(const config::Node& params, std::vector<config::ConfigError>& errors) {
  ParamReader reader("exec check", params);
  ExecParams out;
  read_command(reader, params.mark, out);
  read_identity(reader, out);
  for (auto& e : reader.finish()) errors.push_back(std::move(e));
  return out;
}

ProbeResult interpret_exec_result(const core::ChildResult& result) {
  using Outcome = core::ChildResult::Outcome;
  const std::string line = first_line(result.output);
  switch (result.outcome) {
    case Outcome::kSpawnFailed:
      return ProbeResult::failure("exec-spawn-failed", result.error);
    case Outcome::kTimedOut:
      return ProbeResult::failure("timeout", result.error);
    case Outcome::kSignaled:
      return ProbeResult::failure(
          "exec-signaled", std::string("killed by ") + (sigabbrev_np(result.signal)
                                                            ? sigabbrev_np(result.signal)
                                                            : std::to_string(result.signal)));
    case Outcome::kExited:
      break;
  }
  switch (result.exit_code) {
    case 0:
      return ProbeResult::success(line);
    case 1:
      return ProbeResult::failure("exec-down", line);
    case 2:
      return ProbeResult::failure("exec-critical", line);
    case 3:
      return ProbeResult::failure("exec-unknown", line);
    default:
      return ProbeResult::failure("exec-exit-" + std::to_string(result.exit_code), line);
  }
}

namespace {

class ExecChecker final : public Checker {
 public:
  ExecChecker(core::EventLoop& loop, std::string key, core::ChildSpec spec)
      : loop_(loop), runner_(loop), key_(std::move(key)), spec_(std::move(spec)) {}

  void start_probe(Done done) override {
    auto finish = [this, done = std::move(done)](ProbeResult result) {
      child_.cancel();
      deferred_.cancel();
      done(std::move(result));  // last: may destroy this
    };
    auto child = runner_.run(
        spec_, [finish](const core::ChildResult& r) { finish(interpret_exec_result(r)); });
    if (child) {
      child_ = std::move(*child);
      return;
    }
    deferred_ = loop_.defer([finish, message = child.error().message()] {
      finish(ProbeResult::failure("exec-spawn-failed", message));
    });
  }
  void cancel() override {
    child_.cancel();
    deferred_.cancel();
  }
  std::string key() const override { return key_; }

 private:
  core::EventLoop& loop_;
  core::ChildRunner runner_;
  std::string key_;
  core::ChildSpec spec_;
  core::Handle child_;
  core::Handle deferred_;
};

}  // namespace
}  // namespace hadirector::checkers::exec

namespace hadirector::checkers {

std::vector<config::ConfigError> ExecCheckerFactory::validate(const config::Node& params) const {
  std::vector<config::ConfigError> errors;
  exec::parse_exec_params(params, errors);
  return errors;
}

core::Result<std::unique_ptr<Checker>> ExecCheckerFactory::create(const CheckTarget& target,
                                                                  const config::Node& params,
                                                                  CheckContext& context) const {
  std::vector<config::ConfigError> errors;
  exec::ExecParams parsed = exec::parse_exec_params(params, errors);
  if (auto st = first_error(errors); !st) return std::unexpected(st.error());
  core::ChildSpec spec;
  spec.argv = std::move(parsed.command);
  spec.user = std::move(parsed.user);
  for (const auto& [key, value] : parsed.env) spec.env.push_back(key + "=" + value);
  spec.env.push_back("HADIRECTOR_RS_ADDRESS=" + target.address);
  spec.env.push_back("HADIRECTOR_RS_PORT=" + std::to_string(target.effective_port()));
  spec.timeout = exec::kBackstopTimeout;
  spec.max_output = exec::kMaxOutput;
  return std::make_unique<exec::ExecChecker>(context.loop, make_check_key(type(), target, params),
                                             std::move(spec));
}

}  // namespace hadirector::checkers
