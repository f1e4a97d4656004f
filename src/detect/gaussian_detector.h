// A baseline: how far a reading lies from the mean of a sliding window, in
// standard deviations, as a two-sided Gaussian tail probability. Scores every
// reading (dense output); kept to measure the novelty detector against.
#ifndef HEIMDALL_DETECT_GAUSSIAN_DETECTOR_H_
#define HEIMDALL_DETECT_GAUSSIAN_DETECTOR_H_

#include <cstdint>
#include <deque>
#include <vector>

#include "common/status.h"
#include "detect/detector.h"

namespace heimdall::detect {

struct GaussianOptions {
  int window = 6400;  // Readings in the mean and deviation.
  int warmup = 100;   // Readings scored 0 while the window fills.
};

Result<GaussianOptions> GaussianOptionsFromParams(const DetectorParams& params);
std::vector<DetectorParamInfo> GaussianParamInfo();

// Score: erf(|z| / sqrt(2)) = 1 - P(|Z| >= |z|) for the reading's z-score
// against the readings before it in the window.
class GaussianDetector : public Detector {
 public:
  explicit GaussianDetector(const GaussianOptions& options)
      : options_(options) {}

  double Push(int64_t timestamp, double value) override;

 private:
  GaussianOptions options_;
  std::deque<double> window_;
  // Sums of (value - shift_) keep the variance exact for large levels.
  double shift_ = 0;
  double sum_ = 0;
  double sum_squares_ = 0;
};

}  // namespace heimdall::detect

#endif  // HEIMDALL_DETECT_GAUSSIAN_DETECTOR_H_
