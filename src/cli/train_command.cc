#include "cli/command.h"

namespace heimdall::cli {

Command AddTrainCommand(CLI::App& root) {
  CLI::App* app = root.add_subcommand("train", "not built yet");
  return {app, [] () -> Result<int> { return Error("train: not built yet"); }};
}

}  // namespace heimdall::cli
