#include "model/train.h"

#include <fmt/chrono.h>
#include <libsvm/svm.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>

namespace heimdall::model {
namespace {

void DiscardLibsvmOutput(const char*) {}

void SilenceLibsvm() {
  static std::once_flag once;
  std::call_once(once,
                 [] { svm_set_print_string_function(&DiscardLibsvmOutput); });
}

// The training rows in the space the SVM sees (standardised or not),
// row-major.
struct Prepared {
  std::vector<double> values;
  std::optional<Scaler> scaler;
  double gamma = 0;
};

Status CheckRequest(const NumericTable& data, const TrainOptions& options) {
  if (!(options.nu > 0 && options.nu <= 1)) {
    return MakeError("nu must be in (0, 1], got {}", options.nu);
  }
  if (options.gamma.kind == GammaRule::Kind::kValue &&
      !(std::isfinite(options.gamma.value) && options.gamma.value > 0)) {
    return MakeError("gamma must be a positive finite number, got {}",
                     options.gamma.value);
  }
  if (data.columns.empty()) return Error("no feature columns to train on");
  if (data.rows() < 2) {
    return MakeError("need at least 2 training rows, got {}", data.rows());
  }
  for (size_t i = 0; i < data.values.size(); ++i) {
    if (!std::isfinite(data.values[i])) {
      return MakeError("row {} column '{}' is not finite",
                       i / data.columns.size() + 1,
                       data.columns[i % data.columns.size()]);
    }
  }
  return Status::Ok();
}

// Fits mean and population standard deviation per column, as scikit-learn's
// StandardScaler does.
Result<Scaler> FitScaler(const NumericTable& data) {
  const size_t cols = data.columns.size();
  const auto rows = static_cast<double>(data.rows());
  Scaler scaler{std::vector<double>(cols, 0.0), std::vector<double>(cols)};
  for (size_t j = 0; j < cols; ++j) {
    double lo = data.row(0)[j];
    double hi = lo;
    for (size_t i = 0; i < data.rows(); ++i) {
      scaler.mean[j] += data.row(i)[j];
      lo = std::min(lo, data.row(i)[j]);
      hi = std::max(hi, data.row(i)[j]);
    }
    if (lo == hi) {
      return MakeError(
          "feature '{}' is constant (every row is {}); it cannot be "
          "standardised",
          data.columns[j], lo);
    }
    scaler.mean[j] /= rows;
    double squares = 0;
    for (size_t i = 0; i < data.rows(); ++i) {
      const double d = data.row(i)[j] - scaler.mean[j];
      squares += d * d;
    }
    scaler.scale[j] = std::sqrt(squares / rows);
  }
  return scaler;
}

// numpy's X.var() over every value: two passes, population variance.
double VarianceOfAll(const std::vector<double>& values) {
  double mean = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return squares / static_cast<double>(values.size());
}

Result<double> ChooseGamma(const GammaRule& rule,
                           const std::vector<double>& values, size_t cols) {
  switch (rule.kind) {
    case GammaRule::Kind::kAuto:
      return 1.0 / static_cast<double>(cols);
    case GammaRule::Kind::kValue:
      return rule.value;
    case GammaRule::Kind::kScale:
      break;
  }
  const double variance = VarianceOfAll(values);
  const double gamma = 1.0 / (static_cast<double>(cols) * variance);
  if (!(variance > 0 && std::isfinite(gamma))) {
    return MakeError(
        "gamma 'scale' needs training values that vary (variance {})",
        variance);
  }
  return gamma;
}

Result<Prepared> Prepare(const NumericTable& data,
                         const TrainOptions& options) {
  Prepared prepared;
  prepared.values = data.values;
  const size_t cols = data.columns.size();
  if (options.standardize) {
    Result<Scaler> scaler = FitScaler(data);
    if (!scaler.ok()) return scaler.error();
    for (size_t k = 0; k < prepared.values.size(); ++k) {
      const size_t j = k % cols;
      prepared.values[k] =
          (prepared.values[k] - scaler->mean[j]) / scaler->scale[j];
    }
    prepared.scaler = std::move(scaler).value();
  }
  Result<double> gamma = ChooseGamma(options.gamma, prepared.values, cols);
  if (!gamma.ok()) return gamma.error();
  prepared.gamma = *gamma;
  return prepared;
}

svm_parameter LibsvmParameter(const TrainOptions& options, double gamma) {
  svm_parameter param{};
  param.svm_type = ONE_CLASS;
  param.kernel_type = RBF;
  param.degree = 3;
  param.gamma = gamma;
  param.coef0 = 0;
  param.cache_size = options.cache_mb;
  param.eps = options.tolerance;
  param.C = 1;
  param.nu = options.nu;
  param.shrinking = options.shrinking ? 1 : 0;
  param.probability = 0;
  return param;
}

struct LibsvmModelDeleter {
  void operator()(svm_model* model) const {
    svm_free_and_destroy_model(&model);
  }
};
using LibsvmModel = std::unique_ptr<svm_model, LibsvmModelDeleter>;

// Runs libsvm and copies its solution into params (support vectors taken
// from `values` by their training-row indices).
Status Fit(const std::vector<double>& values, size_t cols,
           const TrainOptions& options, double gamma, ModelParams* params) {
  const size_t rows = values.size() / cols;
  std::vector<svm_node> nodes(rows * (cols + 1));
  std::vector<svm_node*> x(rows);
  std::vector<double> y(rows, 1.0);
  for (size_t i = 0; i < rows; ++i) {
    x[i] = &nodes[i * (cols + 1)];
    for (size_t j = 0; j < cols; ++j) {
      x[i][j] = {static_cast<int>(j + 1), values[i * cols + j]};
    }
    x[i][cols] = {-1, 0.0};
  }
  const svm_problem problem{static_cast<int>(rows), y.data(), x.data()};
  const svm_parameter param = LibsvmParameter(options, gamma);
  if (const char* problem_text = svm_check_parameter(&problem, &param)) {
    return MakeError("libsvm refused the parameters: {}", problem_text);
  }

  SilenceLibsvm();
  const LibsvmModel fitted(svm_train(&problem, &param));
  if (!fitted || fitted->l <= 0) return Error("libsvm found no solution");
  const auto count = static_cast<size_t>(fitted->l);
  std::vector<int> indices(count);
  svm_get_sv_indices(fitted.get(), indices.data());
  for (size_t i = 0; i < count; ++i) {
    const double* row = &values[static_cast<size_t>(indices[i] - 1) * cols];
    params->support_vectors.insert(params->support_vectors.end(), row,
                                   row + cols);
    params->coefficients.push_back(fitted->sv_coef[0][i]);
  }
  params->offset = fitted->rho[0];
  return Status::Ok();
}

Status CheckFit(const ModelParams& params, double nu) {
  if (!std::isfinite(params.offset)) {
    return MakeError("the fit is degenerate: offset {} is not finite{}",
                     params.offset,
                     nu == 1 ? " (nu = 1 leaves no support vector inside its "
                               "bounds; use a smaller nu)"
                             : "");
  }
  for (double coef : params.coefficients) {
    if (!std::isfinite(coef)) {
      return Error("the fit is degenerate: a coefficient is not finite");
    }
  }
  return Status::Ok();
}

std::string NowIso8601() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(
                         std::chrono::system_clock::now())));
}

// Scores the training rows with the fitted model and records the spread.
void Summarise(const Model& model, const NumericTable& data,
               TrainingSummary* summary) {
  std::vector<double> decisions(data.rows());
  model.DecisionBatch(data.values.data(), data.rows(), decisions.data());
  const auto [lo, hi] = std::minmax_element(decisions.begin(), decisions.end());
  double sum = 0;
  size_t outliers = 0;
  for (double d : decisions) {
    sum += d;
    if (d < 0) ++outliers;
  }
  const auto n = static_cast<double>(decisions.size());
  summary->decision_min = *lo;
  summary->decision_max = *hi;
  summary->decision_mean = sum / n;
  double squares = 0;
  for (double d : decisions) {
    squares += (d - summary->decision_mean) * (d - summary->decision_mean);
  }
  summary->decision_stddev = std::sqrt(squares / n);
  summary->outlier_fraction = static_cast<double>(outliers) / n;
}

// Fills in the training summary and, for kScaledLogistic, the scale.
Result<Model> Finish(const Model& fitted, const NumericTable& data,
                     const TrainOptions& options) {
  ModelParams params = fitted.params();
  Summarise(fitted, data, &params.summary);
  params.summary.rows = data.rows();
  params.summary.source = options.source;
  params.summary.trained_at = NowIso8601();
  params.summary.gamma_rule = std::string(GammaRuleName(options.gamma));
  params.summary.nu = options.nu;
  if (options.mapping == ProbabilityMapping::kScaledLogistic) {
    params.mapping_scale = params.summary.decision_stddev;
    if (!(params.mapping_scale > 0)) {
      return Error(
          "scaled_logistic needs training decisions that vary; they are "
          "all equal");
    }
  }
  return Model::Create(std::move(params));
}

}  // namespace

Result<GammaRule> ParseGammaRule(std::string_view text) {
  if (text == "auto") return GammaRule{GammaRule::Kind::kAuto, 0};
  if (text == "scale") return GammaRule{GammaRule::Kind::kScale, 0};
  Result<double> value = ParseFiniteDouble(text);
  if (!value.ok() || !(*value > 0)) {
    return MakeError("gamma must be auto, scale or a positive number, got '{}'",
                     text);
  }
  return GammaRule{GammaRule::Kind::kValue, *value};
}

std::string_view GammaRuleName(const GammaRule& rule) {
  switch (rule.kind) {
    case GammaRule::Kind::kAuto:
      return "auto";
    case GammaRule::Kind::kScale:
      return "scale";
    case GammaRule::Kind::kValue:
      return "value";
  }
  return "unknown";
}

Result<Model> Train(const NumericTable& data, const TrainOptions& options) {
  HEIMDALL_RETURN_IF_ERROR(CheckRequest(data, options));
  Result<Prepared> prepared = Prepare(data, options);
  if (!prepared.ok()) return prepared.error();

  ModelParams params;
  params.features = data.columns;
  params.scaler = prepared->scaler;
  params.gamma = prepared->gamma;
  params.mapping = options.mapping;
  HEIMDALL_RETURN_IF_ERROR(Fit(prepared->values, data.columns.size(), options,
                               prepared->gamma, &params));
  HEIMDALL_RETURN_IF_ERROR(CheckFit(params, options.nu));

  Result<Model> fitted = Model::Create(std::move(params));
  if (!fitted.ok()) return fitted.error();
  return Finish(*fitted, data, options);
}

NumericTable BuiltinHealthySet(size_t rows, uint64_t seed) {
  struct Range {
    const char* name;
    double low;
    double high;
  };
  constexpr Range kRanges[] = {{"heart_rate", 70.0, 90.0},
                               {"oxygen_level", 98.0, 99.5},
                               {"temperature", 36.7, 37.2}};
  constexpr size_t kCols = std::size(kRanges);
  NumericTable table;
  table.values.resize(rows * kCols);
  std::mt19937_64 engine(seed);
  // Column by column, like the earlier NumPy code. The top 53 bits of each
  // draw make a uniform double in [0, 1); std::uniform_real_distribution is
  // not used because its output differs between standard libraries.
  for (size_t j = 0; j < kCols; ++j) {
    table.columns.emplace_back(kRanges[j].name);
    const double width = kRanges[j].high - kRanges[j].low;
    for (size_t i = 0; i < rows; ++i) {
      const double unit = static_cast<double>(engine() >> 11) * 0x1.0p-53;
      table.values[i * kCols + j] = kRanges[j].low + width * unit;
    }
  }
  return table;
}

}  // namespace heimdall::model
