// heimdall train: fit a One-Class SVM and write a model file.
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/csv.h"
#include "model/model_file.h"
#include "model/train.h"

namespace heimdall::cli {
namespace {

struct TrainFlags {
  std::string input;  // Empty: the built-in healthy set.
  std::vector<std::string> features = {"heart_rate", "oxygen_level",
                                       "temperature"};
  bool features_given = false;
  // Numbers are taken as text and parsed here, so a bad value is an Error
  // (exit 1, like every other refusal), not a CLI11 usage error.
  std::string nu = "0.05";
  std::string gamma = "auto";
  bool standardize = false;
  std::string probability = "logistic";
  std::string out;
};

Result<model::TrainOptions> ParseOptions(const TrainFlags& flags) {
  model::TrainOptions options;
  Result<double> nu = ParseFiniteDouble(flags.nu);
  if (!nu.ok()) return nu.error().Annotate("--nu");
  options.nu = *nu;
  Result<model::GammaRule> gamma = model::ParseGammaRule(flags.gamma);
  if (!gamma.ok()) return gamma.error().Annotate("--gamma");
  options.gamma = *gamma;
  Result<model::ProbabilityMapping> mapping =
      model::ParseMapping(flags.probability);
  if (!mapping.ok()) return mapping.error().Annotate("--probability");
  options.mapping = *mapping;
  options.standardize = flags.standardize;
  options.source = flags.input.empty() ? "builtin" : flags.input;
  return options;
}

Result<NumericTable> ReadTrainingData(const TrainFlags& flags) {
  if (flags.input.empty()) {
    if (flags.features_given) {
      return Error(
          "--features needs --input (the built-in set has the "
          "three vitals)");
    }
    return model::BuiltinHealthySet();
  }
  return ReadNumericTable(flags.input, flags.features);
}

Result<int> RunTrain(const TrainFlags& flags) {
  Result<model::TrainOptions> options = ParseOptions(flags);
  if (!options.ok()) return options.error();
  Result<NumericTable> data = ReadTrainingData(flags);
  if (!data.ok()) return data.error();

  Result<model::Model> fitted = model::Train(*data, *options);
  if (!fitted.ok()) {
    return fitted.error().Annotate(
        fmt::format("training on {}", options->source));
  }
  HEIMDALL_RETURN_IF_ERROR(model::SaveModel(*fitted, flags.out));

  fmt::print(
      "trained on {} rows of {}: {} support vectors, offset {:.9g}, "
      "gamma {:.9g} ({}) -> {}\n",
      data->rows(), options->source, fitted->num_support_vectors(),
      fitted->params().offset, fitted->params().gamma,
      model::GammaRuleName(options->gamma), flags.out);
  return 0;
}

}  // namespace

Command AddTrainCommand(CLI::App& root) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* app = root.add_subcommand(
      "train", "Fit a One-Class SVM (RBF kernel) and write a model file");
  app->add_option("--input", flags->input,
                  "CSV with a header row (default: the built-in healthy "
                  "set of 500 readings)");
  app->add_option_function<std::vector<std::string>>(
         "--features",
         [flags](const std::vector<std::string>& names) {
           flags->features = names;
           flags->features_given = true;
         },
         "Columns to train on, comma-separated "
         "(default: heart_rate,oxygen_level,temperature)")
      ->delimiter(',');
  app->add_option("--nu", flags->nu,
                  "Upper bound on the share of training outliers, in (0, 1]")
      ->capture_default_str();
  app->add_option("--gamma", flags->gamma,
                  "RBF width: auto (1/features), scale (1/(features * "
                  "variance)) or a positive number")
      ->capture_default_str();
  app->add_flag("--standardize", flags->standardize,
                "Standardise each feature (mean 0, variance 1) first");
  app->add_option("--probability", flags->probability,
                  "Failure-probability mapping: logistic or scaled_logistic")
      ->capture_default_str();
  app->add_option("--out", flags->out, "Model file to write")->required();
  return {app, [flags] { return RunTrain(*flags); }};
}

}  // namespace heimdall::cli
