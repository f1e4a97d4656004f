// Failure probabilities for a stream of vital-sign samples, as the
// prediction service would give them, for `heimdall evaluate --simulate`.
//
//  - "model": the One-Class SVM (by default the earlier model, trained on the
//    built-in healthy set) on the model's features, read by name.
//  - "trend": when oxygen is forecast to fall below 85 % or temperature to
//    rise above 40 deg C (sample.h's critical rule), from a Theil-Sen trend
//    of 10-second means over the last five minutes. The probability is
//    1 - 0.1 * t / horizon for a forecast crossing t seconds ahead, clamped
//    to [0, 1]: 0.9 exactly `horizon` ahead, 1 at the limit.
//  - "frozen": 1 once any reading has kept exactly the same value for
//    `samples` readings in a row (real sensors always show noise), else 0.
//
// A factory takes a comma-separated list of these; several parts give the
// largest of their probabilities.
#ifndef HEIMDALL_EVALUATE_VITALS_SCORER_H_
#define HEIMDALL_EVALUATE_VITALS_SCORER_H_

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "evaluate/trend_forecaster.h"
#include "model/ocsvm.h"
#include "telemetry/sample.h"

namespace heimdall::evaluate {

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
  explicit FrozenVitalsScorer(int samples) : samples_(samples) {}
  // nullopt if every value of the sample is missing.
  std::optional<double> Score(const telemetry::Sample& sample) override;

 private:
  int samples_;
  std::array<double, telemetry::kMaxValues> last_{};
  std::array<int, telemetry::kMaxValues> runs_{};
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

// `parts`: a comma-separated list of "model", "trend" and "frozen". "model"
// trains the earlier model on the built-in healthy set, once. Fails on an
// unknown or repeated part, or a failed training.
Result<VitalsScorerFactory> MakeVitalsScorerFactory(std::string_view parts);

}  // namespace heimdall::evaluate

#endif  // HEIMDALL_EVALUATE_VITALS_SCORER_H_
