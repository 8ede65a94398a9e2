// hadirectord-snmp: the SNMP worker (AgentX sub-agent), an executable of its own so that only
// this process loads net-snmp and the libraries it pulls in (perl, kerberos...). hadirectord's
// supervisor starts it from its own directory with the usual worker arguments
// (`--worker snmp --ipc-fd N --log-level L`); it is not meant to be run by hand.
#include <cstdio>

#include "daemon/cli_options.h"
#include "daemon/core/log.h"
#include "daemon/snmp_module.h"
#include "daemon/worker_main.h"

using namespace hadirector;

int main(int argc, char** argv) {
  auto options = daemon::parse_cli(std::vector<std::string>(argv + 1, argv + argc));
  if (!options || !options->worker || *options->worker != "snmp") {
    std::fputs("hadirectord-snmp: the SNMP worker of hadirectord, started by its supervisor "
               "(--worker snmp --ipc-fd N)\n",
               stderr);
    return 2;
  }
  if (auto level = core::parse_log_level(options->log_level)) core::set_log_level(*level);
  core::set_log_identity("hadirectord");
  return daemon::run_worker("snmp", options->ipc_fd,
                            [](const std::string&, daemon::WorkerContext ctx) {
                              return std::unique_ptr<daemon::WorkerModule>(
                                  std::make_unique<daemon::SnmpModule>(ctx));
                            });
}
