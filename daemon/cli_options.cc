#include "daemon/cli_options.h"

#include <charconv>

namespace hadirector::daemon {

const char kUsage[] =
    "usage: hadirectord [-f FILE] [--check-config] [--dump-config] [--runtime-dir DIR]\n"
    "                   [--log-level debug|info|notice|warning|error]\n"
    "\n"
    "  -f, --config FILE   configuration (default /etc/hadirector/hadirector.yaml)\n"
    "  --check-config      validate the configuration and exit: 0 valid, 1 invalid\n"
    "  --dump-config       print the configuration normalized, defaults filled in\n"
    "  --runtime-dir DIR   control socket and pid file (default /run/hadirector)\n"
    "  --log-level LEVEL   least severe level logged (default info)\n"
    "  -h, --help, --version\n"
    "\n"
    "hadirectord never daemonizes itself; run it under systemd (Type=notify) or in the\n"
    "foreground. SIGHUP reloads, SIGTERM stops, SIGUSR1 logs the status.\n";

core::Result<CliOptions> parse_cli(const std::vector<std::string>& args) {
  CliOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& name) -> core::Result<std::string> {
      if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0)
        return a.substr(eq + 1);
      if (i + 1 >= args.size())
        return core::fail(core::Errc::kInvalid, "option " + name + " needs a value");
      return args[++i];
    };
    auto key = a.substr(0, a.find('='));
    core::Result<std::string> v;
    if (key == "-f" || key == "--config") {
      if (!(v = value(key))) return std::unexpected(v.error());
      o.config_path = *v;
    } else if (key == "--runtime-dir") {
      if (!(v = value(key))) return std::unexpected(v.error());
      o.runtime_dir = *v;
    } else if (key == "--log-level") {
      if (!(v = value(key))) return std::unexpected(v.error());
      o.log_level = *v;
    } else if (key == "--worker") {
      if (!(v = value(key))) return std::unexpected(v.error());
      o.worker = *v;
    } else if (key == "--ipc-fd") {
      if (!(v = value(key))) return std::unexpected(v.error());
      auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), o.ipc_fd);
      if (ec != std::errc() || p != v->data() + v->size() || o.ipc_fd < 0)
        return core::fail(core::Errc::kInvalid, "--ipc-fd needs a file descriptor number");
    } else if (a == "--check-config") {
      o.check_config = true;
    } else if (a == "--dump-config") {
      o.dump_config = true;
    } else if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "--version") {
      o.version = true;
    } else {
      return core::fail(core::Errc::kInvalid, "unknown option '" + a + "' (see --help)");
    }
  }
  if (o.worker && o.ipc_fd < 0)
    return core::fail(core::Errc::kInvalid, "--worker needs --ipc-fd");
  return o;
}

}  // namespace hadirector::daemon
