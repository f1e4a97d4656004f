// Failure probabilities for a stream of telemetry samples: what `heimdall up`
// decides on (healer/probe.h) and what `heimdall evaluate` replays.
//
//  - "model": the One-Class SVM (by default the earlier model, trained on the
//    built-in healthy set) on the model's features, read by name.
//  - "trend": when oxygen is forecast to fall below 85 % or temperature to
//    rise above 40 deg C (sample.h's critical rule), from a Theil-Sen trend
//    of 10-second means over the last five minutes. The probability is
//    1 - 0.1 * t / horizon for a forecast crossing t seconds ahead, clamped
//    to [0, 1]: 0.9 exactly `horizon` ahead, 1 at the limit.
//  - "frozen": 1 once any reading has kept exactly the same value for a
//    minute of the source's time (real sensors always show noise), else 0.
//    The same sample read twice (a poll faster than the source) is not
//    evidence of a stuck sensor.
//  - any detector kind of detector.h ("novelty", "gaussian", ...): its
//    anomaly score of one named value, for univariate real telemetry.
//
// A DetectorSpec names the parts; several parts give the largest of their
// probabilities.
#ifndef HEIMDALL_DETECT_VITALS_SCORER_H_
#define HEIMDALL_DETECT_VITALS_SCORER_H_

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "detect/detector.h"
#include "detect/trend_forecaster.h"
#include "model/ocsvm.h"
#include "telemetry/sample.h"

namespace heimdall::detect {

// One stream's scorer. Not thread-safe; samples arrive in time order.
class VitalsScorer {
 public:
  virtual ~VitalsScorer() = default;
  // The failure probability in [0, 1] after `sample`, or nullopt if the
  // sample lacks what this scorer needs (a dropped-out sensor).
  virtual std::optional<double> Score(const telemetry::Sample& sample) = 0;
};

class ModelVitalsScorer : public VitalsScorer {
 public:
  explicit ModelVitalsScorer(std::shared_ptr<const model::Model> model)
      : model_(std::move(model)), row_(model_->num_features()) {}

  std::optional<double> Score(const telemetry::Sample& sample) override;

 private:
  std::shared_ptr<const model::Model> model_;
  std::vector<double> row_;
};

struct TrendScorerOptions {
  double horizon_seconds = 600;
  double bucket_seconds = 10;  // Readings averaged into one trend point.
  TrendOptions trend{.window = 30, .min_readings = 12};
  double oxygen_critical = 85.0;
  double temperature_critical = 40.0;
};

class TrendVitalsScorer : public VitalsScorer {
 public:
  // Precondition: Validate(options.trend).ok(), positive seconds.
  explicit TrendVitalsScorer(const TrendScorerOptions& options);

  std::optional<double> Score(const telemetry::Sample& sample) override;

 private:
  struct Channel {
    double sum = 0;
    int count = 0;
    TrendForecaster forecaster;
  };
  void CloseBucket(double end);
  double Probability(const std::optional<Forecast>& forecast) const;

  TrendScorerOptions options_;
  Channel oxygen_, temperature_;
  std::optional<double> bucket_start_;
  double probability_ = 0;
};

class FrozenVitalsScorer : public VitalsScorer {
 public:
  explicit FrozenVitalsScorer(double seconds) : seconds_(seconds) {}
  // nullopt if every value of the sample is missing.
  std::optional<double> Score(const telemetry::Sample& sample) override;

 private:
  double seconds_;
  std::array<double, telemetry::kMaxValues> last_{};
  // When each value took its current one; NaN before the first.
  std::array<double, telemetry::kMaxValues> since_ = [] {
    std::array<double, telemetry::kMaxValues> since;
    since.fill(telemetry::kMissing);
    return since;
  }();
};

// A streaming detector (detector.h) on one value of the samples.
class ColumnVitalsScorer : public VitalsScorer {
 public:
  ColumnVitalsScorer(std::string column, std::unique_ptr<Detector> detector)
      : column_(std::move(column)), detector_(std::move(detector)) {}
  // nullopt when the sample lacks the value. A sample at the time of the
  // previous one (a poll faster than the source) is not pushed again: it
  // gets the previous score.
  std::optional<double> Score(const telemetry::Sample& sample) override;

 private:
  std::string column_;
  std::unique_ptr<Detector> detector_;
  std::optional<double> last_time_;
  double last_score_ = 0;
};

class MaxVitalsScorer : public VitalsScorer {
 public:
  explicit MaxVitalsScorer(std::vector<std::unique_ptr<VitalsScorer>> parts)
      : parts_(std::move(parts)) {}
  // The largest probability of the parts; nullopt only if every part's is.
  std::optional<double> Score(const telemetry::Sample& sample) override;

 private:
  std::vector<std::unique_ptr<VitalsScorer>> parts_;
};

// Makes one fresh scorer per stream. Thread-safe.
using VitalsScorerFactory = std::function<std::unique_ptr<VitalsScorer>()>;

// The [detector] table of `heimdall up`'s configuration, which `heimdall
// evaluate --config` replays as well.
struct DetectorSpec {
  // "model", "trend", "frozen", or one detector kind of DetectorKinds().
  // The default was chosen by `heimdall evaluate --simulate` (README).
  std::vector<std::string> parts = {"trend", "frozen"};
  // The value a detector kind watches, e.g. "value" for a NAB series.
  std::string column;
  // Parameters of that detector kind; defaults for those not given.
  DetectorParams params;
  // Local parts start afresh with each generation (a new astronaut), or go
  // on learning across them (a host whose telemetry continues after a
  // rebuild, a resumed replay).
  bool restart_with_generation = true;

  bool has(std::string_view part) const;
  // The detector kind among the parts, if there is one.
  std::optional<std::string> detector_kind() const;
};

// Parses "trend,frozen" into parts.
std::vector<std::string> SplitParts(std::string_view text);

// Fails naming the part on an unknown or repeated part, more than one
// detector kind, a detector kind without a column (or a column without one),
// parameters without a detector kind, or parameters the kind rejects.
Status Validate(const DetectorSpec& spec);

// Where the "model" part comes from.
enum class ModelPart {
  // Trains the earlier model on the built-in healthy set, once.
  kBuiltin,
  // Left out of the factory: the caller has it (`heimdall up` asks the
  // generation's prediction service).
  kExternal,
};

// Validates `spec` and makes its scorers. With ModelPart::kExternal and only
// "model" in the spec, the factory is empty (nothing to score locally).
Result<VitalsScorerFactory> MakeVitalsScorerFactory(const DetectorSpec& spec,
                                                    ModelPart model);
// "model,trend" with ModelPart::kBuiltin and no detector kind.
Result<VitalsScorerFactory> MakeVitalsScorerFactory(std::string_view parts);

}  // namespace heimdall::detect

#endif  // HEIMDALL_DETECT_VITALS_SCORER_H_
