// A trained One-Class SVM (RBF kernel) ready for fast scoring.
//
// The decision value of a reading x is
//
//   decision(x) = sum_i coef_i * exp(-gamma * ||z - sv_i||^2) - offset
//
// where z is x after the optional standardisation (z_j = (x_j - mean_j) /
// scale_j) and sv_i are the support vectors in that standardised space. This
// is libsvm's decision value and scikit-learn's `decision_function`: positive
// inside the learned healthy region, negative outside. A failure probability
// is derived from the decision value by the model's ProbabilityMapping.
//
// A Model is immutable after Create. All const methods are thread-safe and
// allocation-free except Explain; copies are independent.
#ifndef HEIMDALL_MODEL_OCSVM_H_
#define HEIMDALL_MODEL_OCSVM_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace heimdall::model {

namespace internal {
struct KernelView;
}  // namespace internal

// How a decision value becomes a failure probability.
enum class ProbabilityMapping {
  // clip(1 / (1 + exp(decision)), 0.01, 0.999): the earlier Python
  // predictor's contract, and the default.
  kLogistic,
  // clip(1 / (1 + exp(decision / scale)), 0.01, 0.999) with `scale` the
  // standard deviation of the decision values on the training data, so the
  // probability no longer depends on how many rows or which nu trained the
  // model. Same 0.5 point (the decision boundary) as kLogistic.
  kScaledLogistic,
};

// "logistic" or "scaled_logistic"; the names stored in model files.
std::string_view MappingName(ProbabilityMapping mapping);
// The inverse of MappingName; fails naming the unknown text.
Result<ProbabilityMapping> ParseMapping(std::string_view name);

// The lower and upper clip of every mapping (the earlier contract).
inline constexpr double kMinProbability = 0.01;
inline constexpr double kMaxProbability = 0.999;

// Per-feature standardisation fitted on the training data.
struct Scaler {
  std::vector<double> mean;   // One per feature.
  std::vector<double> scale;  // Population standard deviation, each > 0.
};

// What was learned about the training run; stored in the model file and
// reported by services (GET /model). Informational: scoring never reads it.
struct TrainingSummary {
  size_t rows = 0;          // Training rows.
  std::string source;       // Input file, or "builtin".
  std::string trained_at;   // UTC, ISO 8601, e.g. "2026-12-04T16:03:43Z".
  std::string gamma_rule;   // "auto", "scale" or "value".
  double nu = 0;            // The nu the model was trained with.
  double decision_min = 0;  // Decision values over the training rows.
  double decision_mean = 0;
  double decision_max = 0;
  double decision_stddev = 0;
  double outlier_fraction = 0;  // Share of training rows with decision < 0.
};

// Everything that defines a model; the contents of a model file.
struct ModelParams {
  std::vector<std::string> features;  // Input column names, in order.
  std::optional<Scaler> scaler;       // None: inputs are used as they are.
  // Row-major, num_support_vectors x features.size(), standardised space.
  std::vector<double> support_vectors;
  std::vector<double> coefficients;  // One per support vector (alpha_i).
  double offset = 0;                 // libsvm's rho; sklearn's offset_.
  double gamma = 0;                  // RBF width, > 0.
  ProbabilityMapping mapping = ProbabilityMapping::kLogistic;
  double mapping_scale = 1.0;  // Used by kScaledLogistic; > 0.
  TrainingSummary summary;
};

// How much one feature drove a reading's score.
struct FeatureContribution {
  std::string feature;
  double value = 0;      // The reading's value (input units).
  double reference = 0;  // The model's healthy reference value (input units).
  // decision(x with this feature set to `reference`) - decision(x): how much
  // the decision would rise if only this feature were healthy. Large and
  // positive means this feature is what makes the reading look anomalous.
  double decision_gain = 0;
};

class Model {
 public:
  // Checks and takes `params`. Fails, naming the problem, if there are no
  // features or support vectors, if sizes disagree (support-vector width vs
  // features, coefficient count vs support vectors, scaler width), or if any
  // number is non-finite, gamma or a scale is not positive.
  static Result<Model> Create(ModelParams params);

  const ModelParams& params() const { return params_; }
  const std::vector<std::string>& features() const { return params_.features; }
  size_t num_features() const { return params_.features.size(); }
  size_t num_support_vectors() const { return params_.coefficients.size(); }
  const TrainingSummary& summary() const { return params_.summary; }

  // The decision value of one reading in input units (unstandardised),
  // features in the order of features(). Precondition: row.size() ==
  // num_features() and all values finite. Never returns NaN for finite input.
  double Decision(std::span<const double> row) const;

  // Decision for `n` readings stored row-major in `rows` (n * num_features()
  // doubles), written to out[0..n). `out` must not overlap `rows`.
  void DecisionBatch(const double* rows, size_t n, double* out) const;

  // The failure probability of a decision value under this model's mapping,
  // in [kMinProbability, kMaxProbability]. Finite for any non-NaN input.
  double FailureProbability(double decision) const;

  // For each feature (in order), the reading's value, the model's healthy
  // reference for it and the decision gain from moving it there. The
  // reference is the coefficient-weighted mean of the support vectors, in
  // input units. Precondition: as for Decision.
  std::vector<FeatureContribution> Explain(std::span<const double> row) const;

  // The healthy reference point used by Explain, in input units.
  const std::vector<double>& reference() const { return reference_; }

 private:
  explicit Model(ModelParams params);
  void BuildKernel();
  void BuildReference(const std::vector<double>& weighted_sum, double coef_sum);
  double ToInputUnits(size_t feature, double value) const;
  internal::KernelView Kernel() const;

  ModelParams params_;
  std::vector<double> reference_;

  // The scoring kernel, derived from params_: support vectors mapped back to
  // input units and stored one feature after another (structure of arrays),
  // padded to a multiple of kLanes with zero coefficients, and per-feature
  // weights gamma / scale_j^2, so that
  //   decision(x) = sum_i coef_i * exp(-sum_j w_j (x_j - c_ji)^2) - offset.
  size_t padded_ = 0;
  std::vector<double> centers_;  // features x padded_.
  std::vector<double> weights_;  // features.
  std::vector<double> coefs_;    // padded_.
};

// The logistic mapping clip(1 / (1 + exp(decision / scale)), 0.01, 0.999),
// computed without overflow for any |decision|. Exposed for tests and tools.
double ClippedLogistic(double decision, double scale = 1.0);

}  // namespace heimdall::model

#endif  // HEIMDALL_MODEL_OCSVM_H_
