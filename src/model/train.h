// Fitting a One-Class SVM with Debian's libsvm.
//
// Train reproduces scikit-learn's OneClassSVM(kernel="rbf") on the same data:
// the same solver settings (tolerance 1e-3, shrinking, 200 MB kernel cache),
// the same gamma rules, and no standardisation unless asked for. libsvm's own
// console output is silenced.
#ifndef HEIMDALL_MODEL_TRAIN_H_
#define HEIMDALL_MODEL_TRAIN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/csv.h"
#include "common/status.h"
#include "model/ocsvm.h"

namespace heimdall::model {

// How gamma is chosen. After standardisation when that is on.
struct GammaRule {
  enum class Kind {
    kAuto,   // 1 / n_features (scikit-learn's "auto"; the earlier model).
    kScale,  // 1 / (n_features * population variance of all values).
    kValue,  // `value` as given.
  };
  Kind kind = Kind::kAuto;
  double value = 0;  // Only for kValue.
};

// Parses "auto", "scale" or a positive finite number. Fails naming the text.
Result<GammaRule> ParseGammaRule(std::string_view text);
// "auto", "scale" or "value".
std::string_view GammaRuleName(const GammaRule& rule);

struct TrainOptions {
  double nu = 0.05;  // In (0, 1]: upper bound on the training outlier share.
  GammaRule gamma;
  bool standardize = false;  // Fit a Scaler and train in standardised space.
  ProbabilityMapping mapping = ProbabilityMapping::kLogistic;
  std::string source = "builtin";  // Recorded in the training summary.

  // Solver settings; the defaults are scikit-learn's.
  double tolerance = 1e-3;
  double cache_mb = 200;
  bool shrinking = true;
};

// Fits a model on every row of `data` (its columns become the features).
// Fails with a message naming the problem, never returning a useless model,
// if: nu <= 0 or nu > 1; gamma is not positive and finite; there are fewer
// than 2 rows or no columns; a value is non-finite; a feature is constant
// while standardize is on; gamma "scale" meets data with zero variance; or
// the fitted offset or coefficients are not finite. Thread-safe (libsvm's
// print hook is set once, process-wide, to discard its output).
Result<Model> Train(const NumericTable& data, const TrainOptions& options);

// The built-in healthy training set of the earlier version: `rows` samples
// drawn uniformly from heart_rate [70, 90), oxygen_level [98.0, 99.5) and
// temperature [36.7, 37.2), in that column order. Deterministic for a given
// seed on every platform and standard library (it uses its own uniform
// mapping over std::mt19937_64), though not NumPy's numbers.
NumericTable BuiltinHealthySet(size_t rows = 500, uint64_t seed = 42);

}  // namespace heimdall::model

#endif  // HEIMDALL_MODEL_TRAIN_H_
