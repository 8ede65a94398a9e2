// hadirectord: the supervisor, or (started by it with --worker) one of its workers.
#include <malloc.h>

#include <cstdio>
#include <iostream>

#include "daemon/cli_options.h"
#include "daemon/config_loading.h"
#include "daemon/core/event_loop.h"
#include "daemon/core/log.h"
#include "daemon/supervisor.h"
#include "daemon/worker_main.h"
#include "daemon/worker_process.h"

using namespace hadirector;

namespace {

int check_or_dump(const daemon::CliOptions& o) {
  auto loaded = daemon::load_config_file(o.config_path);
  if (!loaded) {
    std::fputs(daemon::format_errors(loaded.error()).c_str(), stderr);
    std::fprintf(stderr, "%s: %zu error(s)\n", o.config_path.c_str(), loaded.error().size());
    return 1;
  }
  if (o.dump_config) {
    std::cout << config::dump_yaml(*loaded);
  } else {
    std::printf("%s: configuration is valid\n", o.config_path.c_str());
  }
  return 0;
}

int run_supervisor(const daemon::CliOptions& o) {
  auto loop = core::EventLoop::create();
  if (!loop) {
    core::log_error(loop.error().message());
    return 1;
  }
  daemon::Supervisor supervisor(**loop, {o.config_path, o.runtime_dir, o.log_level});
  if (auto started = supervisor.start(); !started) {
    core::log_error("cannot start: " + started.error().message());
    return 1;
  }
  auto code = (*loop)->run();
  if (!code) {
    core::log_error(code.error().message());
    return 1;
  }
  return *code;
}

}  // namespace

int main(int argc, char** argv) {
  // Large blocks (a configuration message, its JSON and tree strings) from mmap always: glibc
  // otherwise raises the threshold to the largest block freed, and the next ones are carved out
  // of the heap, where what they leave behind stays in the process's PSS.
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  daemon::WorkerProcess::remember_command_line(argc, argv);
  auto options = daemon::parse_cli(std::vector<std::string>(argv + 1, argv + argc));
  if (!options) {
    std::fprintf(stderr, "hadirectord: %s\n", options.error().message().c_str());
    return 2;
  }
  const auto& o = *options;
  if (o.help) {
    std::fputs(daemon::kUsage, stdout);
    return 0;
  }
  if (o.version) {
    std::puts("hadirectord " HD_VERSION);
    return 0;
  }
  auto level = core::parse_log_level(o.log_level);
  if (!level) {
    std::fprintf(stderr, "hadirectord: %s\n", level.error().message().c_str());
    return 2;
  }
  core::set_log_level(*level);
  core::set_log_identity("hadirectord");
  if (o.worker) return daemon::run_worker(*o.worker, o.ipc_fd);
  if (o.check_config || o.dump_config) return check_or_dump(o);
  return run_supervisor(o);
}
