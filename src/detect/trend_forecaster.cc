#include "detect/trend_forecaster.h"

#include <algorithm>
#include <vector>

namespace heimdall::detect {
namespace {

double Median(std::vector<double>& values) {
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + mid);
  return (lower + upper) / 2;
}

bool IsCritical(double level, double limit, LimitSide side) {
  return side == LimitSide::kBelow ? level <= limit : level >= limit;
}

}  // namespace

Status Validate(const TrendOptions& options) {
  if (options.window < 2) return Error("trend: window must be at least 2");
  if (options.min_readings < 2 || options.min_readings > options.window) {
    return Error("trend: min_readings must be in [2, window]");
  }
  return Status::Ok();
}

void TrendForecaster::Push(double seconds, double value) {
  if (!readings_.empty() && seconds < readings_.back().first) return;
  readings_.emplace_back(seconds, value);
  if (static_cast<int>(readings_.size()) > options_.window) {
    readings_.pop_front();
  }
}

std::optional<Forecast> TrendForecaster::Predict(double limit,
                                                 LimitSide side) const {
  if (static_cast<int>(readings_.size()) < options_.min_readings) {
    return std::nullopt;
  }
  std::vector<double> slopes;
  for (size_t i = 0; i < readings_.size(); ++i) {
    for (size_t j = i + 1; j < readings_.size(); ++j) {
      const double dt = readings_[j].first - readings_[i].first;
      if (dt > 0) {
        slopes.push_back((readings_[j].second - readings_[i].second) / dt);
      }
    }
  }
  if (slopes.empty()) return std::nullopt;

  Forecast forecast;
  forecast.slope_per_second = Median(slopes);
  // Intercept at the latest time: the median residual of the line.
  const double latest = readings_.back().first;
  std::vector<double> levels;
  for (const auto& [t, v] : readings_) {
    levels.push_back(v + forecast.slope_per_second * (latest - t));
  }
  forecast.level = Median(levels);

  const double slope = forecast.slope_per_second;
  if (IsCritical(forecast.level, limit, side)) {
    forecast.seconds_to_limit = 0.0;
  } else if ((side == LimitSide::kBelow && slope < 0) ||
             (side == LimitSide::kAbove && slope > 0)) {
    forecast.seconds_to_limit = (limit - forecast.level) / slope;
  }
  return forecast;
}

}  // namespace heimdall::detect
