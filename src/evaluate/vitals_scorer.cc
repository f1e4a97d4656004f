#include "evaluate/vitals_scorer.h"

#include <algorithm>

#include "model/train.h"

namespace heimdall::evaluate {
namespace {

// One minute of readings at the simulator's 1 Hz.
constexpr int kFrozenSamples = 60;

std::unique_ptr<VitalsScorer> MakePart(
    const std::string& name, const std::shared_ptr<const model::Model>& model) {
  if (name == "model") return std::make_unique<ModelVitalsScorer>(model);
  if (name == "trend") {
    return std::make_unique<TrendVitalsScorer>(TrendScorerOptions{});
  }
  return std::make_unique<FrozenVitalsScorer>(kFrozenSamples);
}

}  // namespace

std::optional<double> ModelVitalsScorer::Score(
    const telemetry::Sample& sample) {
  const std::vector<std::string>& features = model_->features();
  for (size_t i = 0; i < features.size(); ++i) {
    const std::optional<double> value = sample.Get(features[i]);
    if (!value) return std::nullopt;
    row_[i] = *value;
  }
  return model_->FailureProbability(model_->Decision(row_));
}

TrendVitalsScorer::TrendVitalsScorer(const TrendScorerOptions& options)
    : options_(options),
      oxygen_{0, 0, TrendForecaster(options.trend)},
      temperature_{0, 0, TrendForecaster(options.trend)} {}

std::optional<double> TrendVitalsScorer::Score(
    const telemetry::Sample& sample) {
  if (!bucket_start_) bucket_start_ = sample.time;
  if (sample.time >= *bucket_start_ + options_.bucket_seconds) {
    CloseBucket(sample.time);
  }
  const std::optional<double> oxygen = sample.Get(telemetry::kOxygenLevel);
  const std::optional<double> temperature = sample.Get(telemetry::kTemperature);
  if (!oxygen && !temperature) return std::nullopt;
  if (oxygen) {
    oxygen_.sum += *oxygen;
    ++oxygen_.count;
  }
  if (temperature) {
    temperature_.sum += *temperature;
    ++temperature_.count;
  }
  return probability_;
}

void TrendVitalsScorer::CloseBucket(double end) {
  const double middle = (*bucket_start_ + end) / 2;
  for (Channel* channel : {&oxygen_, &temperature_}) {
    if (channel->count > 0) {
      channel->forecaster.Push(middle, channel->sum / channel->count);
    }
    channel->sum = 0;
    channel->count = 0;
  }
  bucket_start_ = end;
  probability_ =
      std::max(Probability(oxygen_.forecaster.Predict(options_.oxygen_critical,
                                                      LimitSide::kBelow)),
               Probability(temperature_.forecaster.Predict(
                   options_.temperature_critical, LimitSide::kAbove)));
}

double TrendVitalsScorer::Probability(
    const std::optional<Forecast>& forecast) const {
  if (!forecast || !forecast->seconds_to_limit) return 0;
  const double ahead = *forecast->seconds_to_limit / options_.horizon_seconds;
  return std::clamp(1.0 - 0.1 * ahead, 0.0, 1.0);
}

std::optional<double> FrozenVitalsScorer::Score(
    const telemetry::Sample& sample) {
  bool any = false;
  bool frozen = false;
  for (size_t i = 0; i < sample.size(); ++i) {
    const double value = sample.values[i];
    if (telemetry::IsMissing(value)) continue;
    any = true;
    runs_[i] = value == last_[i] ? runs_[i] + 1 : 1;
    last_[i] = value;
    frozen = frozen || runs_[i] >= samples_;
  }
  if (!any) return std::nullopt;
  return frozen ? 1.0 : 0.0;
}

std::optional<double> MaxVitalsScorer::Score(const telemetry::Sample& sample) {
  std::optional<double> best;
  for (const std::unique_ptr<VitalsScorer>& part : parts_) {
    const std::optional<double> score = part->Score(sample);
    if (score && (!best || *score > *best)) best = score;
  }
  return best;
}

Result<VitalsScorerFactory> MakeVitalsScorerFactory(std::string_view parts) {
  std::vector<std::string> names;
  for (size_t begin = 0; begin <= parts.size();) {
    const size_t comma = std::min(parts.find(',', begin), parts.size());
    std::string name(parts.substr(begin, comma - begin));
    if (name != "model" && name != "trend" && name != "frozen") {
      return MakeError("no vitals scorer '{}' (model, trend, frozen)", name);
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      return MakeError("vitals scorer '{}' given twice", name);
    }
    names.push_back(std::move(name));
    begin = comma + 1;
  }
  std::shared_ptr<const model::Model> trained;
  if (std::find(names.begin(), names.end(), "model") != names.end()) {
    Result<model::Model> fitted =
        model::Train(model::BuiltinHealthySet(), model::TrainOptions{});
    if (!fitted.ok()) return fitted.error().Annotate("training the model");
    trained = std::make_shared<const model::Model>(std::move(*fitted));
  }
  return VitalsScorerFactory([names, trained] {
    std::vector<std::unique_ptr<VitalsScorer>> scorers;
    for (const std::string& name : names)
      scorers.push_back(MakePart(name, trained));
    if (scorers.size() == 1) return std::move(scorers.front());
    return std::unique_ptr<VitalsScorer>(
        std::make_unique<MaxVitalsScorer>(std::move(scorers)));
  });
}

}  // namespace heimdall::evaluate
