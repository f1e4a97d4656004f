// heimdall monitor: watch one target until it breaches, for CI pipelines.
#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "healer/config.h"
#include "healer/monitor.h"
#include "store/store_json.h"

namespace heimdall::cli {
namespace {

struct MonitorFlags {
  std::string server;
  uint16_t telemetry_port = 5001;
  uint16_t predict_port = 5002;
  double threshold = 0.9;
  int sustained = 2;
  int unresponsive_polls = 3;
  std::string interval = "5s";
  std::string grace = "45s";
  std::string timeout = "2s";
  std::string max_duration;
  std::string stale_after = "0s";
};

Result<healer::MonitorOptions> MakeOptions(const MonitorFlags& flags) {
  healer::MonitorOptions options;
  options.policy.threshold = flags.threshold;
  options.policy.sustained_count = flags.sustained;
  options.policy.unresponsive_polls = flags.unresponsive_polls;
  const std::pair<const char*, const std::string*> durations[] = {
      {"--interval", &flags.interval},
      {"--grace", &flags.grace},
      {"--stale-after", &flags.stale_after}};
  healer::Duration* targets[] = {&options.interval, &options.policy.grace,
                                 &options.policy.stale_after};
  for (size_t i = 0; i < std::size(targets); ++i) {
    Result<healer::Duration> d = healer::ParseDuration(*durations[i].second);
    if (!d.ok()) return d.error().Annotate(durations[i].first);
    *targets[i] = *d;
  }
  if (!flags.max_duration.empty()) {
    Result<healer::Duration> d = healer::ParseDuration(flags.max_duration);
    if (!d.ok()) return d.error().Annotate("--max-duration");
    options.max_duration = *d;
  }
  if (options.interval <= healer::Duration(0)) {
    return Error("--interval: not positive");
  }
  HEIMDALL_RETURN_IF_ERROR(healer::Validate(options.policy));
  return options;
}

void PrintPoll(const healer::Reading& reading,
               const healer::Decision& decision) {
  const std::string probability =
      reading.probability ? fmt::format("{:.3f}", *reading.probability)
                          : "none";
  fmt::print("{} probability {} {}{}{}\n", store::FormatTime(reading.time),
             probability, reading.values.dump(),
             reading.error.empty() ? "" : " error: " + reading.error,
             decision.hold == healer::Hold::kGrace ? " (grace)" : "");
  std::fflush(stdout);
}

Result<int> RunMonitorCommand(const MonitorFlags& flags) {
  Result<healer::MonitorOptions> options = MakeOptions(flags);
  if (!options.ok()) return options.error();
  Result<healer::Duration> timeout = healer::ParseDuration(flags.timeout);
  if (!timeout.ok()) return timeout.error().Annotate("--timeout");

  healer::Deployment target;
  target.simulator_url =
      fmt::format("http://{}:{}", flags.server, flags.telemetry_port);
  target.predictor_url =
      fmt::format("http://{}:{}", flags.server, flags.predict_port);
  healer::HttpProbe probe({*timeout, *timeout});
  healer::SystemClock clock;
  const healer::MonitorOutcome outcome =
      healer::RunMonitor(*options, probe, target, clock, PrintPoll);
  const int code = healer::ExitCode(outcome.verdict);
  fmt::print(stderr, "heimdall monitor: {} after {} polls (exit {})\n",
             healer::ToString(outcome.verdict), outcome.polls, code);
  return code;
}

}  // namespace

Command AddMonitorCommand(CLI::App& root) {
  auto flags = std::make_shared<MonitorFlags>();
  CLI::App* app = root.add_subcommand(
      "monitor",
      "Poll a target until failure is predicted, then exit with a code per "
      "reason.\nExit codes: 0 time limit reached without a breach (only with "
      "--max-duration); 1 error; 3 threshold breached; 4 unresponsive; 5 "
      "answers without a valid probability; 6 telemetry ended (replay); 7 "
      "readings stopped changing (only with --stale-after). "
      "Other non-zero codes are usage errors.");
  app->add_option("--server", flags->server,
                  "Host of the simulator and the predictor")
      ->required();
  app->add_option("--telemetry-port", flags->telemetry_port,
                  "Simulator port (GET /telemetry)");
  app->add_option("--predict-port", flags->predict_port,
                  "Predictor port (POST /predict)");
  app->add_option("--threshold", flags->threshold,
                  "Breach above this failure probability");
  app->add_option("--sustained", flags->sustained,
                  "Breaching readings in a row needed");
  app->add_option("--unresponsive-polls", flags->unresponsive_polls,
                  "Polls without a valid answer that count as unresponsive");
  app->add_option("--interval", flags->interval, "Poll interval");
  app->add_option("--grace", flags->grace,
                  "Readings ignored this long after start");
  app->add_option("--timeout", flags->timeout, "Deadline of each request");
  app->add_option("--stale-after", flags->stale_after,
                  "Exit 7 if the readings do not change for this long "
                  "(a stuck sensor); 0s: never");
  app->add_option("--max-duration", flags->max_duration,
                  "Stop with exit 0 after this long without a breach");
  return {app, [flags]() { return RunMonitorCommand(*flags); }};
}

}  // namespace heimdall::cli
