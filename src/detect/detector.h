// Streaming anomaly detectors for univariate telemetry, and the registry that
// builds them by name with numeric parameters.
//
// A detector sees one series, one reading at a time, in order, and never the
// future: Push(timestamp, value) returns the reading's anomaly score in
// [0, 1] at once. What a score means (and which threshold suits it) is each
// detector's contract; `heimdall evaluate` picks thresholds by measurement.
#ifndef HEIMDALL_DETECT_DETECTOR_H_
#define HEIMDALL_DETECT_DETECTOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace heimdall::detect {

// One series' detector. Not thread-safe; use one instance per series.
class Detector {
 public:
  virtual ~Detector() = default;
  // Scores the next reading. `timestamp` is in seconds and may repeat or step
  // back (real exports do); `value` is finite. Returns a score in [0, 1].
  virtual double Push(int64_t timestamp, double value) = 0;
};

// Named numeric parameters, e.g. {"long_window": 2000}.
using DetectorParams = std::map<std::string, double>;

struct DetectorParamInfo {
  std::string name;
  double default_value = 0;
  std::string help;
};

// A kind of detector that the registry can build.
struct DetectorKind {
  std::string name;
  std::string summary;
  std::vector<DetectorParamInfo> params;  // All it accepts, with defaults.
  // Builds a detector from a full parameter set (defaults filled in); fails
  // naming a parameter whose value is out of range.
  using Make =
      std::function<Result<std::unique_ptr<Detector>>(const DetectorParams&)>;
  Make make;
};

// Every kind, the default first.
const std::vector<DetectorKind>& DetectorKinds();

// A validated choice of detector and parameters that makes fresh detectors,
// one per series. Copyable; Make is thread-safe.
class DetectorFactory {
 public:
  // Fails naming the kind or parameter if `kind` is unknown, a parameter is
  // not one the kind accepts, or the kind rejects the values.
  static Result<DetectorFactory> Create(std::string_view kind,
                                        const DetectorParams& overrides = {});

  std::unique_ptr<Detector> Make() const;

  const std::string& kind() const { return kind_->name; }
  // Every parameter with its effective value.
  const DetectorParams& params() const { return params_; }
  // "kind(a=1, b=2)".
  std::string Describe() const;

 private:
  DetectorFactory(const DetectorKind* kind, DetectorParams params)
      : kind_(kind), params_(std::move(params)) {}

  const DetectorKind* kind_;
  DetectorParams params_;
};

// Parses "name=value" into `params`. Fails naming the text otherwise.
Status ParseDetectorParam(std::string_view text, DetectorParams* params);

}  // namespace heimdall::detect

#endif  // HEIMDALL_DETECT_DETECTOR_H_
