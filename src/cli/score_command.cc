#include "cli/command.h"

namespace heimdall::cli {

Command AddScoreCommand(CLI::App& root) {
  CLI::App* app = root.add_subcommand("score", "not built yet");
  return {app, [] () -> Result<int> { return Error("score: not built yet"); }};
}

}  // namespace heimdall::cli
