// heimdall evaluate: replay labelled series through a detector and the heal
// policy (NAB scores, precision, recall, lead time), or, with --simulate,
// seeded simulator runs per fault kind (healed before critical, lead time,
// false heals per simulated day).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/csv.h"
#include "detect/detector.h"
#include "detect/vitals_scorer.h"
#include "evaluate/evaluation.h"
#include "evaluate/labelled_series.h"
#include "evaluate/nab_scorer.h"
#include "evaluate/report.h"
#include "evaluate/simulation.h"
#include "evaluate/svg_plot.h"
#include "healer/config.h"
#include "healer/policy.h"

namespace heimdall::cli {
namespace {

namespace fs = std::filesystem;
using namespace heimdall::evaluate;

struct EvaluateFlags {
  // `heimdall up`'s configuration: its [detector] and [policy] are replayed.
  std::string config;
  std::string nab;  // A NAB checkout: data/, labels/, config/.
  std::string data;
  std::string windows;
  std::string profiles;
  std::string detector;  // Empty: the config's detector kind, or "novelty".
  std::vector<std::string> params;  // name=value.
  std::string results;              // Score these instead of detecting.
  bool json = false;
  bool summary = false;
  std::string plot;
  int threads = 0;
  // Numbers as text, parsed here, so a bad value is an Error (exit 1).
  // Empty: the mode's default.
  std::string heal_threshold;
  std::string sustained;
  std::string cooldown;
  bool list = false;
  // --simulate mode.
  int simulate = 0;
  std::vector<std::string> faults;
  std::string nominal_days = "7";
  std::string vitals;  // Empty: the config's parts, or up's default.
};

// The --config file, if one was given.
Result<std::optional<healer::UpConfig>> LoadConfig(const EvaluateFlags& flags) {
  if (flags.config.empty()) return std::optional<healer::UpConfig>();
  Result<healer::UpConfig> config = healer::LoadUpConfig(flags.config);
  if (!config.ok()) return config.error();
  HEIMDALL_RETURN_IF_ERROR(healer::Validate(*config));
  return std::optional<healer::UpConfig>(std::move(*config));
}

// Applies --sustained and --cooldown, when given, to `policy`.
Status ApplyPolicyFlags(const EvaluateFlags& flags,
                        healer::HealPolicy* policy) {
  if (!flags.sustained.empty()) {
    Result<double> count = ParseFiniteDouble(flags.sustained);
    if (!count.ok() || *count < 1 || *count != static_cast<int>(*count)) {
      return Error("--sustained: not a whole number >= 1");
    }
    policy->sustained_count = static_cast<int>(*count);
  }
  if (!flags.cooldown.empty()) {
    Result<double> seconds = ParseFiniteDouble(flags.cooldown);
    if (!seconds.ok()) return seconds.error().Annotate("--cooldown");
    policy->cooldown =
        std::chrono::milliseconds(static_cast<int64_t>(*seconds * 1000.0));
  }
  return healer::Validate(*policy).Annotate("heal policy");
}

struct CorpusPaths {
  fs::path data, windows, profiles;  // profiles may be empty.
};

Result<CorpusPaths> ResolvePaths(const EvaluateFlags& flags) {
  CorpusPaths paths{flags.data, flags.windows, flags.profiles};
  if (!flags.nab.empty()) {
    const fs::path nab(flags.nab);
    if (paths.data.empty()) paths.data = nab / "data";
    if (paths.windows.empty()) {
      paths.windows = nab / "labels" / "combined_windows.json";
    }
    if (paths.profiles.empty() && fs::exists(nab / "config/profiles.json")) {
      paths.profiles = nab / "config" / "profiles.json";
    }
  }
  if (paths.data.empty() || paths.windows.empty()) {
    return Error("give --nab DIR, or both --data DIR and --windows FILE");
  }
  return paths;
}

Result<EvaluationOptions> MakeOptions(
    const EvaluateFlags& flags, const CorpusPaths& paths,
    const std::optional<healer::UpConfig>& config) {
  EvaluationOptions options;
  options.threads = flags.threads;
  if (config) {
    // What `heimdall up` would do with this file, threshold included.
    options.heal_policy = config->controller.policy;
    options.heal_threshold = config->controller.policy.threshold;
  }
  if (!paths.profiles.empty()) {
    Result<std::vector<CostProfile>> profiles =
        ReadCostProfiles(paths.profiles);
    if (!profiles.ok()) return profiles.error();
    options.profiles = *profiles;
  }
  if (!flags.heal_threshold.empty()) {
    Result<double> threshold = ParseFiniteDouble(flags.heal_threshold);
    if (!threshold.ok()) return threshold.error().Annotate("--heal-threshold");
    options.heal_threshold = *threshold;
  }
  HEIMDALL_RETURN_IF_ERROR(ApplyPolicyFlags(flags, &options.heal_policy));
  return options;
}

// The series detector: --detector, else the config's detector kind, else
// "novelty"; the config's parameters (for its own kind), then --set.
Result<detect::DetectorFactory> MakeFactory(
    const EvaluateFlags& flags, const std::optional<healer::UpConfig>& config) {
  std::string kind = flags.detector;
  detect::DetectorParams params;
  const std::optional<std::string> configured =
      config ? config->detector.detector_kind() : std::nullopt;
  if (kind.empty() && config && !configured) {
    return MakeError(
        "{}: [detector] has no detector kind for univariate series ({}); "
        "give --detector",
        flags.config, fmt::join(config->detector.parts, ", "));
  }
  if (kind.empty()) kind = configured.value_or("novelty");
  if (configured && *configured == kind) params = config->detector.params;
  for (const std::string& text : flags.params) {
    HEIMDALL_RETURN_IF_ERROR(
        detect::ParseDetectorParam(text, &params).Annotate("--set"));
  }
  return detect::DetectorFactory::Create(kind, params);
}

// Scores from a NAB results directory, in corpus order.
Result<std::vector<std::vector<double>>> ReadResultScores(
    const fs::path& dir, const WindowLabels& labels,
    const std::vector<LabelledSeries>& corpus) {
  Result<std::vector<ScoringInput>> inputs = ReadDetectorResults(dir, labels);
  if (!inputs.ok()) return inputs.error();
  std::vector<std::vector<double>> scores;
  for (size_t i = 0; i < corpus.size(); ++i) {
    if ((*inputs)[i].name != corpus[i].name) {
      return MakeError("{}: results do not match the corpus", corpus[i].name);
    }
    scores.push_back(std::move((*inputs)[i].scores));
  }
  return scores;
}

Result<EvaluationReport> RunEvaluation(
    const EvaluateFlags& flags, const WindowLabels& labels,
    const std::vector<LabelledSeries>& corpus, const EvaluationOptions& options,
    const std::optional<healer::UpConfig>& config) {
  if (!flags.results.empty()) {
    Result<std::vector<std::vector<double>>> scores =
        ReadResultScores(flags.results, labels, corpus);
    if (!scores.ok()) return scores.error();
    return EvaluateScores(corpus, std::move(*scores),
                          "results " + flags.results, options);
  }
  Result<detect::DetectorFactory> factory = MakeFactory(flags, config);
  if (!factory.ok()) return factory.error();
  return Evaluate(corpus, *factory, options);
}

int ListDetectors() {
  for (const detect::DetectorKind& kind : detect::DetectorKinds()) {
    fmt::print("{}: {}\n", kind.name, kind.summary);
    for (const detect::DetectorParamInfo& param : kind.params) {
      fmt::print("  {}={} ({})\n", param.name, param.default_value, param.help);
    }
  }
  return 0;
}

Result<int> RunSimulation(const EvaluateFlags& flags,
                          const std::optional<healer::UpConfig>& config) {
  if (!flags.nab.empty() || !flags.data.empty() || !flags.results.empty()) {
    return Error(
        "--simulate replays the simulator; drop --nab/--data/--results");
  }
  // `heimdall up`'s detector and policy: its defaults, or the file's.
  detect::DetectorSpec spec =
      config ? config->detector : detect::DetectorSpec{};
  if (!flags.vitals.empty()) spec = {detect::SplitParts(flags.vitals), "", {}};
  SimulationOptions options;
  if (config) options.policy = config->controller.policy;
  options.runs = flags.simulate;
  options.faults = flags.faults;
  options.threads = flags.threads;
  Result<double> days = ParseFiniteDouble(flags.nominal_days);
  if (!days.ok()) return days.error().Annotate("--nominal-days");
  options.nominal_days = *days;
  HEIMDALL_RETURN_IF_ERROR(ApplyPolicyFlags(flags, &options.policy));
  if (!flags.heal_threshold.empty()) {
    Result<double> threshold = ParseFiniteDouble(flags.heal_threshold);
    if (!threshold.ok()) return threshold.error().Annotate("--heal-threshold");
    options.policy.threshold = *threshold;
  }
  // TODO: "model" here is the earlier model trained on the built-in healthy
  // set; a config naming another model file for its predictor is not read.
  Result<detect::VitalsScorerFactory> factory =
      detect::MakeVitalsScorerFactory(spec, detect::ModelPart::kBuiltin);
  if (!factory.ok()) return factory.error().Annotate("detector");

  Result<SimulationReport> report = Simulate(
      *factory, fmt::format("{}", fmt::join(spec.parts, ",")), options);
  if (!report.ok()) return report.error();
  fmt::print("{}", flags.json ? FormatSimulationJson(*report)
                              : FormatSimulationTable(*report));
  return 0;
}

Result<int> RunEvaluate(const EvaluateFlags& flags) {
  if (flags.list) return ListDetectors();
  Result<std::optional<healer::UpConfig>> config = LoadConfig(flags);
  if (!config.ok()) return config.error();
  if (flags.simulate > 0) return RunSimulation(flags, *config);
  Result<CorpusPaths> paths = ResolvePaths(flags);
  if (!paths.ok()) return paths.error();
  Result<EvaluationOptions> options = MakeOptions(flags, *paths, *config);
  if (!options.ok()) return options.error();
  Result<WindowLabels> labels = ReadWindowLabels(paths->windows);
  if (!labels.ok()) return labels.error();
  Result<std::vector<LabelledSeries>> corpus = ReadCorpus(paths->data, *labels);
  if (!corpus.ok()) return corpus.error();

  Result<EvaluationReport> report =
      RunEvaluation(flags, *labels, *corpus, *options, *config);
  if (!report.ok()) return report.error();
  if (!flags.plot.empty()) {
    HEIMDALL_RETURN_IF_ERROR(WritePlots(flags.plot, *corpus, *report));
  }
  fmt::print("{}", flags.json ? FormatJson(*report)
                              : FormatTable(*report, !flags.summary));
  return 0;
}

void AddCorpusFlags(CLI::App* app, EvaluateFlags& flags) {
  app->add_option("--config", flags.config,
                  "heimdall up's TOML file: replay its [detector] and "
                  "[policy] (threshold included), as up would run them");
  app->add_option("--nab", flags.nab,
                  "NAB-layout directory (data/, labels/combined_windows.json, "
                  "config/profiles.json)");
  app->add_option("--data", flags.data, "directory of timestamp,value CSVs");
  app->add_option("--windows", flags.windows,
                  "JSON of anomaly windows per file (NAB format)");
  app->add_option("--profiles", flags.profiles,
                  "NAB profiles JSON (default: NAB's three profiles)");
  app->add_option("--detector", flags.detector,
                  "detector kind (default: the config's, or novelty)");
  app->add_option("--set", flags.params, "detector parameter name=value");
  app->add_option("--results", flags.results,
                  "score a NAB results directory (results/<detector>) "
                  "instead of running a detector");
  app->add_flag("--list-detectors", flags.list,
                "list detector kinds and parameters, then exit");
}

void AddOutputFlags(CLI::App* app, EvaluateFlags& flags) {
  app->add_flag("--json", flags.json, "print JSON instead of a table");
  app->add_flag("--summary", flags.summary, "omit the per-series table");
  app->add_option("--plot", flags.plot, "write one SVG per series here");
  app->add_option("--threads", flags.threads, "0: one per hardware thread")
      ->check(CLI::NonNegativeNumber);
}

void AddPolicyFlags(CLI::App* app, EvaluateFlags& flags) {
  app->add_option("--heal-threshold", flags.heal_threshold,
                  "heal at scores >= this (default: NAB standard threshold; "
                  "heimdall up's for --simulate)");
  app->add_option("--sustained", flags.sustained,
                  "readings above threshold in a row before a heal (default: "
                  "1 for series, heimdall up's 2 for --simulate)");
  app->add_option("--cooldown", flags.cooldown,
                  "seconds between heal decisions (default: heimdall up's)");
}

void AddSimulationFlags(CLI::App* app, EvaluateFlags& flags) {
  app->add_option("--simulate", flags.simulate,
                  "N seeded simulator runs per fault kind instead of series")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--faults", flags.faults,
                  "fault kinds for --simulate (default: all)")
      ->delimiter(',');
  app->add_option("--nominal-days", flags.nominal_days,
                  "simulated days without faults, for false heals")
      ->capture_default_str();
  app->add_option("--vitals", flags.vitals,
                  "--simulate scorer parts: model, trend, frozen "
                  "(comma-separated; default: the config's, or heimdall "
                  "up's trend,frozen)");
}

}  // namespace

Command AddEvaluateCommand(CLI::App& root) {
  CLI::App* app = root.add_subcommand(
      "evaluate",
      "replay labelled series (or, with --simulate, seeded simulator runs) "
      "through a detector and the heal policy; report NAB scores, precision, "
      "recall, lead time and false heals");
  auto flags = std::make_shared<EvaluateFlags>();
  AddCorpusFlags(app, *flags);
  AddOutputFlags(app, *flags);
  AddPolicyFlags(app, *flags);
  AddSimulationFlags(app, *flags);
  return {app, [flags]() { return RunEvaluate(*flags); }};
}

}  // namespace heimdall::cli
