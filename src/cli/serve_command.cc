#include "cli/command.h"

namespace heimdall::cli {

Command AddServeCommand(CLI::App& root) {
  CLI::App* app = root.add_subcommand("serve", "not built yet");
  return {app, [] () -> Result<int> { return Error("serve: not built yet"); }};
}

}  // namespace heimdall::cli
