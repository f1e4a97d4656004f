#include "cli/command.h"

namespace heimdall::cli {

Command AddSimulateCommand(CLI::App& root) {
  CLI::App* app = root.add_subcommand("simulate", "not built yet");
  return {app, [] () -> Result<int> { return Error("simulate: not built yet"); }};
}

}  // namespace heimdall::cli
