#include "detect/vitals_scorer.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "model/train.h"

namespace heimdall::detect {
namespace {

constexpr std::string_view kVitalsParts[] = {"model", "trend", "frozen"};
// A stuck sensor: a minute without the slightest change.
constexpr double kFrozenSeconds = 60;

bool IsVitalsPart(std::string_view part) {
  return std::find(std::begin(kVitalsParts), std::end(kVitalsParts), part) !=
         std::end(kVitalsParts);
}

bool IsDetectorKind(std::string_view part) {
  const std::vector<DetectorKind>& kinds = DetectorKinds();
  return std::any_of(kinds.begin(), kinds.end(), [&](const DetectorKind& kind) {
    return kind.name == part;
  });
}

std::string DetectorKindNames() {
  std::string names;
  for (const DetectorKind& kind : DetectorKinds()) {
    names += (names.empty() ? "" : ", ") + kind.name;
  }
  return names;
}

std::string KnownParts() {
  std::string known = "model, trend, frozen";
  for (const DetectorKind& kind : DetectorKinds()) known += ", " + kind.name;
  return known;
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
    if (telemetry::IsMissing(since_[i]) || value != last_[i]) {
      since_[i] = sample.time;
      last_[i] = value;
    }
    frozen = frozen || sample.time - since_[i] >= seconds_;
  }
  if (!any) return std::nullopt;
  return frozen ? 1.0 : 0.0;
}

std::optional<double> ColumnVitalsScorer::Score(
    const telemetry::Sample& sample) {
  const std::optional<double> value = sample.Get(column_);
  if (!value) return std::nullopt;
  if (last_time_ && sample.time == *last_time_) return last_score_;
  last_time_ = sample.time;
  last_score_ =
      detector_->Push(static_cast<int64_t>(std::floor(sample.time)), *value);
  return last_score_;
}

std::optional<double> MaxVitalsScorer::Score(const telemetry::Sample& sample) {
  std::optional<double> best;
  for (const std::unique_ptr<VitalsScorer>& part : parts_) {
    const std::optional<double> score = part->Score(sample);
    if (score && (!best || *score > *best)) best = score;
  }
  return best;
}

bool DetectorSpec::has(std::string_view part) const {
  return std::find(parts.begin(), parts.end(), part) != parts.end();
}

std::optional<std::string> DetectorSpec::detector_kind() const {
  for (const std::string& part : parts) {
    if (!IsVitalsPart(part)) return part;
  }
  return std::nullopt;
}

std::vector<std::string> SplitParts(std::string_view text) {
  std::vector<std::string> parts;
  for (size_t begin = 0; begin <= text.size();) {
    const size_t comma = std::min(text.find(',', begin), text.size());
    parts.emplace_back(text.substr(begin, comma - begin));
    begin = comma + 1;
  }
  return parts;
}

Status Validate(const DetectorSpec& spec) {
  if (spec.parts.empty())
    return MakeError("no detector parts ({})", KnownParts());
  int kinds = 0;
  for (size_t i = 0; i < spec.parts.size(); ++i) {
    const std::string& part = spec.parts[i];
    if (!IsVitalsPart(part) && !IsDetectorKind(part)) {
      return MakeError("no detector part '{}' ({})", part, KnownParts());
    }
    if (std::find(spec.parts.begin(), spec.parts.begin() + i, part) !=
        spec.parts.begin() + i) {
      return MakeError("detector part '{}' given twice", part);
    }
    if (IsDetectorKind(part)) ++kinds;
  }
  if (kinds > 1) return MakeError("at most one detector kind among the parts");
  const std::optional<std::string> kind = spec.detector_kind();
  if (kind && spec.column.empty()) {
    return MakeError("detector '{}' needs the column it watches", *kind);
  }
  if (!kind && !spec.column.empty()) {
    return MakeError(
        "a column ('{}') is for a detector kind ({}), and none is among the "
        "parts",
        spec.column, DetectorKindNames());
  }
  if (!kind && !spec.params.empty()) {
    return MakeError(
        "detector parameters need a detector kind among the parts");
  }
  if (kind) return DetectorFactory::Create(*kind, spec.params).status();
  return Status::Ok();
}

Result<VitalsScorerFactory> MakeVitalsScorerFactory(const DetectorSpec& spec,
                                                    ModelPart model) {
  HEIMDALL_RETURN_IF_ERROR(Validate(spec));
  std::shared_ptr<const model::Model> trained;
  if (spec.has("model") && model == ModelPart::kBuiltin) {
    Result<model::Model> fitted =
        model::Train(model::BuiltinHealthySet(), model::TrainOptions{});
    if (!fitted.ok()) return fitted.error().Annotate("training the model");
    trained = std::make_shared<const model::Model>(std::move(*fitted));
  }
  std::optional<DetectorFactory> detectors;
  if (const std::optional<std::string> kind = spec.detector_kind()) {
    Result<DetectorFactory> made = DetectorFactory::Create(*kind, spec.params);
    if (!made.ok()) return made.error();
    detectors = std::move(*made);
  }
  std::vector<std::string> parts = spec.parts;
  if (model == ModelPart::kExternal) std::erase(parts, "model");
  if (parts.empty()) return VitalsScorerFactory();

  return VitalsScorerFactory([parts, trained, detectors, column = spec.column] {
    std::vector<std::unique_ptr<VitalsScorer>> scorers;
    for (const std::string& part : parts) {
      if (part == "model") {
        scorers.push_back(std::make_unique<ModelVitalsScorer>(trained));
      } else if (part == "trend") {
        scorers.push_back(
            std::make_unique<TrendVitalsScorer>(TrendScorerOptions{}));
      } else if (part == "frozen") {
        scorers.push_back(std::make_unique<FrozenVitalsScorer>(kFrozenSeconds));
      } else {
        scorers.push_back(
            std::make_unique<ColumnVitalsScorer>(column, detectors->Make()));
      }
    }
    if (scorers.size() == 1) return std::move(scorers.front());
    return std::unique_ptr<VitalsScorer>(
        std::make_unique<MaxVitalsScorer>(std::move(scorers)));
  });
}

Result<VitalsScorerFactory> MakeVitalsScorerFactory(std::string_view parts) {
  DetectorSpec spec;
  spec.parts = SplitParts(parts);
  if (spec.detector_kind()) {
    return MakeError("'{}': a detector kind needs a column; use a DetectorSpec",
                     *spec.detector_kind());
  }
  return MakeVitalsScorerFactory(spec, ModelPart::kBuiltin);
}

}  // namespace heimdall::detect
