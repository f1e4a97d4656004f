// heimdall: parse arguments, run one subcommand, turn its outcome into an exit
// code. Everything else lives in the layers under src/.
#include <cstdio>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/command.h"

int main(int argc, char** argv) {
  using namespace heimdall::cli;
  CLI::App app{
      "Heimdall: a predictive self-healing controller.\n"
      "Watches telemetry, predicts failure, rebuilds what is about to fail."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "heimdall 0.1.0");
  std::string log_level = "info";
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  const std::vector<Command> commands = {
      AddTrainCommand(app), AddScoreCommand(app), AddServeCommand(app),
      AddSimulateCommand(app), AddEvaluateCommand(app), AddUpCommand(app),
      AddMonitorCommand(app), AddStatusCommand(app), AddIncidentsCommand(app),
      AddHealthcheckCommand(app)};
  CLI11_PARSE(app, argc, argv);

  spdlog::set_default_logger(spdlog::stderr_color_mt("heimdall"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  for (const Command& command : commands) {
    if (!command.app->parsed()) continue;
    heimdall::Result<int> code = command.run();
    if (!code.ok()) {
      std::fprintf(stderr, "heimdall %s: %s\n", command.app->get_name().c_str(),
                   code.error().message().c_str());
      return 1;
    }
    return *code;
  }
  return 2;  // Unreachable: CLI11 requires one subcommand.
}
