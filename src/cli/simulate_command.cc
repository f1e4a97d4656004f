// heimdall simulate: the telemetry service (simulator or replay) over HTTP.
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/signals.h"
#include "http/server.h"
#include "service/simulator_service.h"
#include "telemetry/replay_source.h"
#include "telemetry/simulator.h"
#include "telemetry/timestamp.h"

namespace heimdall::cli {
namespace {

struct SimulateFlags {
  std::string bind = "127.0.0.1";
  uint16_t port = 5001;
  int threads = 4;
  uint64_t seed = 42;
  double rate = 1.0;
  double speed = 1.0;
  std::string token;
  std::string astronaut_id;
  std::string replay;
  std::string timestamp_column;
  std::vector<std::string> columns;
  std::string map;
  std::string on_bad_line = "reject";
  double row_interval = 1.0;
  std::string replay_after;
};

// Limits of --speed and --rate, and of the samples simulated per wall-clock
// second (speed x rate): the simulator makes about a million samples a
// second on one core, so this keeps catching up well under a tenth of it.
constexpr double kMinSpeed = 1e-3, kMaxSpeed = 1e5;
constexpr double kMinRate = 1e-3, kMaxRate = 1e3;
constexpr double kMaxSamplesPerSecond = 1e5;

// How many skipped lines of a replay are logged one by one.
constexpr size_t kLoggedBadLines = 5;

double UnixNow() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<service::SimulatorService>> MakeSimulator(
    const SimulateFlags& flags, service::SimulatorServiceOptions options) {
  if (flags.speed * flags.rate > kMaxSamplesPerSecond) {
    return MakeError(
        "--speed {} x --rate {} is {} samples per second; at most {}",
        flags.speed, flags.rate, flags.speed * flags.rate,
        kMaxSamplesPerSecond);
  }
  telemetry::SimulatorOptions simulator;
  simulator.seed = flags.seed;
  simulator.rate = flags.rate;
  simulator.start_unix = UnixNow();
  simulator.astronaut_id = flags.astronaut_id;
  spdlog::info("simulate: simulator seed {} at {} Hz, speed {}x", flags.seed,
               flags.rate, flags.speed);
  return service::SimulatorService::ForSimulator(std::move(simulator),
                                                 std::move(options));
}

Result<telemetry::ReplayOptions> ReplayOptionsFrom(const SimulateFlags& flags) {
  telemetry::ReplayOptions replay;
  replay.path = flags.replay;
  replay.timestamp_column = flags.timestamp_column;
  replay.columns = flags.columns;
  if (!flags.map.empty()) {
    Result<std::vector<std::pair<std::string, std::string>>> renames =
        telemetry::ParseRenames(flags.map);
    if (!renames.ok()) return renames.error();
    replay.rename = std::move(renames).value();
  }
  replay.on_bad_line = flags.on_bad_line == "skip"
                           ? telemetry::BadLinePolicy::kSkip
                           : telemetry::BadLinePolicy::kReject;
  replay.row_interval = flags.row_interval;
  if (!flags.replay_after.empty()) {
    Result<double> after = telemetry::ParseTimestamp(flags.replay_after);
    if (!after.ok()) return after.error().Annotate("--replay-after");
    replay.start_after = *after;
  }
  return replay;
}

void LogReplay(const telemetry::ReplaySource& source, double speed) {
  const std::string time_column = source.time_column().empty()
                                      ? "row order"
                                      : "column '" + source.time_column() + "'";
  spdlog::info("simulate: {}: {} rows of {}, timed by {}, speed {}x",
               source.Describe(), source.rows(),
               fmt::join(source.schema()->names, ","), time_column, speed);
  if (source.skipped() == 0) return;
  spdlog::warn("simulate: {}: skipped {} malformed lines", source.Describe(),
               source.skipped());
  for (size_t i = 0; i < source.bad_lines().size() && i < kLoggedBadLines;
       ++i) {
    spdlog::warn("simulate: {}: {}", source.Describe(), source.bad_lines()[i]);
  }
}

Result<std::unique_ptr<service::SimulatorService>> MakeReplay(
    const SimulateFlags& flags, service::SimulatorServiceOptions options) {
  Result<telemetry::ReplayOptions> replay = ReplayOptionsFrom(flags);
  if (!replay.ok()) return replay.error();
  Result<std::unique_ptr<telemetry::ReplaySource>> source =
      telemetry::ReplaySource::Open(std::move(replay).value());
  if (!source.ok()) return source.error();
  LogReplay(**source, flags.speed);
  return service::SimulatorService::ForReplay(std::move(source).value(),
                                              std::move(options));
}

Result<int> RunSimulate(const SimulateFlags& flags) {
  service::SimulatorServiceOptions options;
  options.speed = flags.speed;
  options.token = flags.token;
  Result<std::unique_ptr<service::SimulatorService>> made =
      flags.replay.empty() ? MakeSimulator(flags, options)
                           : MakeReplay(flags, options);
  if (!made.ok()) return made.error();
  service::SimulatorService& simulator = **made;
  if (!flags.token.empty()) {
    spdlog::info("simulate: fault injection needs the bearer token");
  } else if (flags.bind != "127.0.0.1" && flags.bind != "localhost") {
    spdlog::warn(
        "simulate: listening on {} with no token: anyone who can "
        "reach it can inject faults",
        flags.bind);
  }

  http::Router router;
  simulator.Register(router);
  http::ServerOptions server_options;
  server_options.bind = flags.bind;
  server_options.port = flags.port;
  server_options.threads = flags.threads;
  server_options.on_reject = simulator.RejectionCounter();

  TakeOverSignals();
  Result<std::unique_ptr<http::Server>> server =
      http::Server::Start(std::move(server_options), std::move(router));
  if (!server.ok()) return server.error();
  const int signal = WaitForTerminationSignal();
  spdlog::info("simulate: signal {} received, stopping", signal);
  simulator.Shutdown();  // Releases requests a crash fault is holding.
  (*server)->Stop();
  return 0;
}

void AddReplayOptions(CLI::App* app, SimulateFlags* flags) {
  CLI::Option* replay =
      app->add_option("--replay", flags->replay,
                      "Serve this CSV file's rows instead of the simulator");
  app->add_option("--timestamp-column", flags->timestamp_column,
                  "Column with each row's time (seconds or date-time); "
                  "default: a column named like 'timestamp' or 'Time [s]'")
      ->needs(replay);
  app->add_option("--columns", flags->columns,
                  "File columns to serve, comma-separated (default: all "
                  "but the time column)")
      ->delimiter(',')
      ->needs(replay);
  app->add_option("--map", flags->map,
                  "Rename columns: file_col=name,... (e.g. "
                  "HR=heart_rate,SpO2=oxygen_level)")
      ->needs(replay);
  app->add_option("--on-bad-line", flags->on_bad_line,
                  "Malformed lines: reject the file, or skip them")
      ->check(CLI::IsMember({"skip", "reject"}))
      ->capture_default_str()
      ->needs(replay);
  app->add_option("--row-interval", flags->row_interval,
                  "Seconds between rows when the file has no time column")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->needs(replay);
  app->add_option("--replay-after", flags->replay_after,
                  "Start after the row at this time (as the time column "
                  "reads it): resume an earlier replay")
      ->needs(replay);
}

}  // namespace

Command AddSimulateCommand(CLI::App& root) {
  auto flags = std::make_shared<SimulateFlags>();
  CLI::App* app = root.add_subcommand(
      "simulate",
      "Serve astronaut telemetry with injectable faults, or replay a "
      "recorded CSV series (GET /telemetry, POST /faults).");
  app->add_option("--bind", flags->bind, "Address to listen on")
      ->capture_default_str();
  app->add_option("--port", flags->port, "Port to listen on (0: any free)")
      ->capture_default_str();
  app->add_option("--threads", flags->threads,
                  "Worker threads (a crash fault holds one per request)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  // Bounded: the service steps through every sample it owes, so a speed
  // beyond what a core can simulate would keep a worker busy for ever.
  app->add_option("--speed", flags->speed,
                  "Simulated seconds per wall-clock second")
      ->check(CLI::Range(kMinSpeed, kMaxSpeed))
      ->capture_default_str();
  app->add_option("--token", flags->token,
                  "Bearer token required by POST and DELETE")
      ->envname("HEIMDALL_TOKEN");
  CLI::Option* seed = app->add_option("--seed", flags->seed, "Simulator seed")
                          ->capture_default_str();
  CLI::Option* rate =
      app->add_option("--rate", flags->rate, "Simulator samples per second")
          ->check(CLI::Range(kMinRate, kMaxRate))
          ->capture_default_str();
  CLI::Option* astronaut =
      app->add_option("--astronaut-id", flags->astronaut_id,
                      "Astronaut id in telemetry (default: astronaut-<seed>)");
  AddReplayOptions(app, flags.get());
  for (CLI::Option* simulator_only : {seed, rate, astronaut}) {
    simulator_only->excludes("--replay");
  }
  return {app, [flags] { return RunSimulate(*flags); }};
}

}  // namespace heimdall::cli
