#include "detect/gaussian_detector.h"

#include <cmath>

namespace heimdall::detect {

Result<GaussianOptions> GaussianOptionsFromParams(
    const DetectorParams& params) {
  GaussianOptions options;
  for (const auto& [name, value] : params) {
    int* field = name == "window"   ? &options.window
                 : name == "warmup" ? &options.warmup
                                    : nullptr;
    if (field == nullptr) return MakeError("gaussian: no parameter '{}'", name);
    if (value != std::floor(value) || value < 2 || value > 1e9) {
      return MakeError("gaussian: {} must be a whole number >= 2", name);
    }
    *field = static_cast<int>(value);
  }
  return options;
}

std::vector<DetectorParamInfo> GaussianParamInfo() {
  const GaussianOptions defaults;
  return {{"window", static_cast<double>(defaults.window),
           "readings in the mean and deviation"},
          {"warmup", static_cast<double>(defaults.warmup),
           "readings scored 0 while the window fills"}};
}

double GaussianDetector::Push(int64_t /*timestamp*/, double value) {
  if (window_.empty()) shift_ = value;
  double score = 0;
  const double n = static_cast<double>(window_.size());
  if (static_cast<int>(window_.size()) >= options_.warmup) {
    const double mean = sum_ / n;
    const double variance = std::max(0.0, sum_squares_ / n - mean * mean);
    const double deviation = value - shift_ - mean;
    if (variance > 0) {
      score = std::erf(std::fabs(deviation) / std::sqrt(2.0 * variance));
    } else {
      score = deviation == 0 ? 0.0 : 1.0;
    }
  }
  window_.push_back(value);
  sum_ += value - shift_;
  sum_squares_ += (value - shift_) * (value - shift_);
  if (static_cast<int>(window_.size()) > options_.window) {
    const double oldest = window_.front() - shift_;
    window_.pop_front();
    sum_ -= oldest;
    sum_squares_ -= oldest * oldest;
  }
  return score;
}

}  // namespace heimdall::detect
