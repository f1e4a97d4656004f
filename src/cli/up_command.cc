// heimdall up: the autonomous loop, configured from a TOML file and flags.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "cli/command.h"
#include "cli/signals.h"
#include "healer/config.h"
#include "healer/up.h"

namespace heimdall::cli {
namespace {

struct UpFlags {
  std::string config;
  bool dry_run = false;
  std::string interval;
  std::string replay;
  std::string state_dir;
  std::string listen;
  std::string model;
  std::string detector;
  std::string column;
};

// The file (or the defaults), then the flags, then HEIMDALL_TOKEN.
Result<healer::UpConfig> MakeConfig(const UpFlags& flags) {
  Result<healer::UpConfig> config = flags.config.empty()
                                        ? healer::UpConfig{}
                                        : healer::LoadUpConfig(flags.config);
  if (!config.ok()) return config;
  if (flags.dry_run) config->controller.policy.dry_run = true;
  if (!flags.interval.empty()) {
    Result<healer::Duration> interval = healer::ParseDuration(flags.interval);
    if (!interval.ok()) return interval.error().Annotate("--interval");
    config->controller.interval = *interval;
  }
  if (!flags.replay.empty()) config->replay = flags.replay;
  if (!flags.state_dir.empty()) config->state_dir = flags.state_dir;
  if (!flags.listen.empty()) config->listen = flags.listen;
  if (!flags.model.empty()) {
    config->local.model = flags.model;
    config->docker.model = flags.model;
  }
  if (!flags.detector.empty()) {
    config->detector.parts = detect::SplitParts(flags.detector);
    // The file's column and parameters belonged to its detector.
    config->detector.column.clear();
    config->detector.params.clear();
  }
  if (!flags.column.empty()) config->detector.column = flags.column;
  if (const char* token = std::getenv("HEIMDALL_TOKEN"); token && *token) {
    config->token = token;
  }
  return config;
}

Result<int> RunUp(const UpFlags& flags) {
  Result<healer::UpConfig> config = MakeConfig(flags);
  if (!config.ok()) return config.error();

  // Before any thread starts, so only WaitForTerminationSignal sees them.
  TakeOverSignals();
  Result<std::unique_ptr<healer::UpRuntime>> up =
      healer::UpRuntime::Create(std::move(*config));
  if (!up.ok()) return up.error();

  Status ran;
  std::atomic<bool> ended = false;
  std::thread loop([&] {
    ran = (*up)->Run();
    // Ends the wait below when the loop stops by itself (replay ended, or
    // an error).
    ended = true;
    kill(getpid(), SIGTERM);
  });
  const int signal = WaitForTerminationSignal();
  if (!ended) spdlog::info("signal {} received, stopping", signal);
  (*up)->Stop();
  loop.join();
  if (!ran.ok()) return ran.error();
  return 0;
}

}  // namespace

Command AddUpCommand(CLI::App& root) {
  auto flags = std::make_shared<UpFlags>();
  CLI::App* app = root.add_subcommand(
      "up",
      "Run the autonomous loop: build a generation (simulator + predictor), "
      "watch it, heal it. Control API on 127.0.0.1:8080 by default.");
  app->add_option("--config", flags->config,
                  "TOML file (see heimdall.example.toml)");
  app->add_flag("--dry-run", flags->dry_run,
                "Decide and record \"would heal\", never destroy");
  app->add_option("--interval", flags->interval,
                  "Poll interval, e.g. 5s or 100ms");
  app->add_option("--replay", flags->replay,
                  "Replay this CSV through the simulator");
  app->add_option("--state-dir", flags->state_dir,
                  "Store, logs and archives (default heimdall-state)");
  app->add_option("--listen", flags->listen,
                  "Control API address HOST:PORT (port 0: any free)");
  app->add_option("--model", flags->model,
                  "Model for the predictor (default: trained on the "
                  "built-in healthy set)");
  app->add_option("--detector", flags->detector,
                  "Parts scoring the readings: model, trend, frozen, or a "
                  "detector kind (default trend,frozen)");
  app->add_option("--column", flags->column,
                  "The value a detector kind watches, e.g. value");
  return {app, [flags]() { return RunUp(*flags); }};
}

}  // namespace heimdall::cli
