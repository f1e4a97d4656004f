// How long until a drifting reading reaches a critical limit.
//
// A slow oxygen leak stays inside the healthy band for a long time, so a
// detector of novelty sees nothing until late; its trend, though, says when
// the limit will be crossed. The forecaster fits a straight line to the last
// `window` readings with the Theil-Sen estimator (the median of pairwise
// slopes), which ignores up to ~29% outliers, and extrapolates it to the
// limit.
#ifndef HEIMDALL_DETECT_TREND_FORECASTER_H_
#define HEIMDALL_DETECT_TREND_FORECASTER_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "common/status.h"

namespace heimdall::detect {

struct TrendOptions {
  int window = 60;        // Readings in the fit; at least 2.
  int min_readings = 10;  // Readings before any forecast; in [2, window].
};

// Checks ranges; the error names the field.
Status Validate(const TrendOptions& options);

// Which side of the limit is critical.
enum class LimitSide {
  kBelow,  // Critical at or below the limit (oxygen).
  kAbove,  // Critical at or above the limit (temperature).
};

struct Forecast {
  double level = 0;             // The fitted value at the latest reading.
  double slope_per_second = 0;  // Change per second.
  // Seconds from the latest reading until the fitted line reaches the
  // limit: 0 if the level is already critical, unset if the trend is flat or
  // moves away from the limit.
  std::optional<double> seconds_to_limit;
};

// Not thread-safe. O(window) memory; Predict is O(window^2).
class TrendForecaster {
 public:
  // Precondition: Validate(options).ok().
  explicit TrendForecaster(const TrendOptions& options) : options_(options) {}

  // Adds a reading. `seconds` should not decrease; readings with an earlier
  // time than the last are ignored.
  void Push(double seconds, double value);

  // The forecast for `limit`, or unset before `min_readings` readings or if
  // all remembered readings share one timestamp.
  std::optional<Forecast> Predict(double limit, LimitSide side) const;

  size_t size() const { return readings_.size(); }

 private:
  TrendOptions options_;
  std::deque<std::pair<double, double>> readings_;  // (seconds, value).
};

}  // namespace heimdall::detect

#endif  // HEIMDALL_DETECT_TREND_FORECASTER_H_
