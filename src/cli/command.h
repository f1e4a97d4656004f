// The contract between main and the subcommands.
//
// Each subcommand lives in its own file and registers itself on the root
// CLI::App with an Add*Command function. Its run function does the work and
// returns the exit code its own contract defines (0 for success; `monitor`
// has one code per reason), or an Error, which main prints and turns into
// exit code 1. Only main writes error messages and exits.
#ifndef HEIMDALL_CLI_COMMAND_H_
#define HEIMDALL_CLI_COMMAND_H_

#include <functional>

#include <CLI/CLI.hpp>

#include "common/status.h"

namespace heimdall::cli {

using CommandRun = std::function<Result<int>()>;

struct Command {
  CLI::App* app = nullptr;  // Owned by the root app.
  CommandRun run;
};

Command AddTrainCommand(CLI::App& root);
Command AddScoreCommand(CLI::App& root);
Command AddServeCommand(CLI::App& root);
Command AddSimulateCommand(CLI::App& root);
Command AddEvaluateCommand(CLI::App& root);
Command AddUpCommand(CLI::App& root);
Command AddMonitorCommand(CLI::App& root);
Command AddStatusCommand(CLI::App& root);
Command AddIncidentsCommand(CLI::App& root);
Command AddHealthcheckCommand(CLI::App& root);

}  // namespace heimdall::cli

#endif  // HEIMDALL_CLI_COMMAND_H_
