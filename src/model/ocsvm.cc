#include "model/ocsvm.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <set>
#include <utility>

#include "model/kernel.h"

namespace heimdall::model {
namespace {

bool AllFinite(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(),
                     [](double v) { return std::isfinite(v); });
}

Status CheckFeatures(const std::vector<std::string>& features) {
  if (features.empty()) return Error("the model has no features");
  std::set<std::string> seen;
  for (const std::string& name : features) {
    if (name.empty()) return Error("a feature has an empty name");
    if (!seen.insert(name).second) {
      return MakeError("feature '{}' appears twice", name);
    }
  }
  return Status::Ok();
}

Status CheckScaler(const Scaler& scaler, size_t features) {
  if (scaler.mean.size() != features || scaler.scale.size() != features) {
    return MakeError("the scaler has {} means and {} scales for {} features",
                     scaler.mean.size(), scaler.scale.size(), features);
  }
  if (!AllFinite(scaler.mean)) return Error("a scaler mean is not finite");
  for (double scale : scaler.scale) {
    if (!(std::isfinite(scale) && scale > 0)) {
      return MakeError("scaler scale {} is not a positive finite number",
                       scale);
    }
  }
  return Status::Ok();
}

Status CheckSupportVectors(const ModelParams& params) {
  const size_t count = params.coefficients.size();
  if (count == 0) return Error("the model has no support vectors");
  if (params.support_vectors.size() != count * params.features.size()) {
    return MakeError(
        "{} support-vector values do not make {} support vectors of {} "
        "features",
        params.support_vectors.size(), count, params.features.size());
  }
  if (!AllFinite(params.support_vectors)) {
    return Error("a support-vector value is not finite");
  }
  if (!AllFinite(params.coefficients)) {
    return Error("a coefficient is not finite");
  }
  return Status::Ok();
}

Status CheckScalars(const ModelParams& params) {
  if (!std::isfinite(params.offset)) {
    return MakeError("offset {} is not finite", params.offset);
  }
  if (!(std::isfinite(params.gamma) && params.gamma > 0)) {
    return MakeError("gamma {} is not a positive finite number", params.gamma);
  }
  if (!(std::isfinite(params.mapping_scale) && params.mapping_scale > 0)) {
    return MakeError("probability scale {} is not a positive finite number",
                     params.mapping_scale);
  }
  return Status::Ok();
}

}  // namespace

std::string_view MappingName(ProbabilityMapping mapping) {
  switch (mapping) {
    case ProbabilityMapping::kLogistic:
      return "logistic";
    case ProbabilityMapping::kScaledLogistic:
      return "scaled_logistic";
  }
  return "unknown";
}

Result<ProbabilityMapping> ParseMapping(std::string_view name) {
  for (ProbabilityMapping mapping :
       {ProbabilityMapping::kLogistic, ProbabilityMapping::kScaledLogistic}) {
    if (name == MappingName(mapping)) return mapping;
  }
  return MakeError(
      "unknown probability mapping '{}' (expected logistic or "
      "scaled_logistic)",
      name);
}

double ClippedLogistic(double decision, double scale) {
  const double z = decision / scale;
  if (std::isnan(z)) return kMaxProbability;
  // exp of a non-positive number only, so nothing overflows.
  const double p =
      z >= 0 ? std::exp(-z) / (1 + std::exp(-z)) : 1 / (1 + std::exp(z));
  return std::clamp(p, kMinProbability, kMaxProbability);
}

Result<Model> Model::Create(ModelParams params) {
  HEIMDALL_RETURN_IF_ERROR(CheckFeatures(params.features));
  if (params.scaler.has_value()) {
    HEIMDALL_RETURN_IF_ERROR(
        CheckScaler(*params.scaler, params.features.size()));
  }
  HEIMDALL_RETURN_IF_ERROR(CheckSupportVectors(params));
  HEIMDALL_RETURN_IF_ERROR(CheckScalars(params));
  return Model(std::move(params));
}

Model::Model(ModelParams params) : params_(std::move(params)) { BuildKernel(); }

void Model::BuildKernel() {
  const size_t features = num_features();
  const size_t count = num_support_vectors();
  padded_ =
      (count + internal::kLanes - 1) / internal::kLanes * internal::kLanes;
  centers_.assign(features * padded_, 0.0);
  weights_.assign(features, params_.gamma);
  coefs_.assign(padded_, 0.0);
  std::copy(params_.coefficients.begin(), params_.coefficients.end(),
            coefs_.begin());

  // Undo the standardisation on the support vectors instead of applying it
  // to every reading: (x - m) / s - v = (x - (m + s v)) / s.
  std::vector<double> weighted_sum(features, 0.0);
  double coef_sum = 0;
  for (size_t i = 0; i < count; ++i) {
    const double coef = params_.coefficients[i];
    coef_sum += coef;
    for (size_t j = 0; j < features; ++j) {
      const double v = params_.support_vectors[i * features + j];
      centers_[j * padded_ + i] = ToInputUnits(j, v);
      weighted_sum[j] += coef * v;
    }
  }
  if (params_.scaler.has_value()) {
    for (size_t j = 0; j < features; ++j) {
      const double s = params_.scaler->scale[j];
      weights_[j] = params_.gamma / (s * s);
    }
  }
  BuildReference(weighted_sum, coef_sum);
}

double Model::ToInputUnits(size_t feature, double value) const {
  if (!params_.scaler.has_value()) return value;
  return params_.scaler->mean[feature] + params_.scaler->scale[feature] * value;
}

void Model::BuildReference(const std::vector<double>& weighted_sum,
                           double coef_sum) {
  // libsvm's one-class coefficients are non-negative and sum to nu * rows,
  // but a hand-made model may not be: fall back to the plain mean.
  const size_t count = num_support_vectors();
  reference_.assign(num_features(), 0.0);
  for (size_t j = 0; j < num_features(); ++j) {
    double mean = 0;
    if (coef_sum > 0) {
      mean = weighted_sum[j] / coef_sum;
    } else {
      for (size_t i = 0; i < count; ++i) {
        mean += params_.support_vectors[i * num_features() + j];
      }
      mean /= static_cast<double>(count);
    }
    reference_[j] = ToInputUnits(j, mean);
  }
}

double Model::Decision(std::span<const double> row) const {
  assert(row.size() == num_features());
  return internal::KernelSum(Kernel(), row.data()) - params_.offset;
}

void Model::DecisionBatch(const double* rows, size_t n, double* out) const {
  if (n == 0) return;
  internal::KernelSumBatch(Kernel(), rows, n, out);
  for (size_t i = 0; i < n; ++i) out[i] -= params_.offset;
}

double Model::FailureProbability(double decision) const {
  const double scale = params_.mapping == ProbabilityMapping::kScaledLogistic
                           ? params_.mapping_scale
                           : 1.0;
  return ClippedLogistic(decision, scale);
}

std::vector<FeatureContribution> Model::Explain(
    std::span<const double> row) const {
  assert(row.size() == num_features());
  const double base = Decision(row);
  std::vector<double> moved(row.begin(), row.end());
  std::vector<FeatureContribution> contributions;
  contributions.reserve(num_features());
  for (size_t j = 0; j < num_features(); ++j) {
    moved[j] = reference_[j];
    contributions.push_back(
        {params_.features[j], row[j], reference_[j], Decision(moved) - base});
    moved[j] = row[j];
  }
  return contributions;
}

internal::KernelView Model::Kernel() const {
  return {num_features(),  num_support_vectors(), padded_,
          centers_.data(), weights_.data(),       coefs_.data()};
}

}  // namespace heimdall::model
