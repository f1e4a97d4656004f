#include "detect/trend_forecaster.h"

#include <gtest/gtest.h>

#include <random>

namespace heimdall::detect {
namespace {

// An oxygen leak: 98% falling 0.01 points a second, read once a second with
// Gaussian noise of `noise` points, every `outlier_every`-th reading a
// dropout to 0 (0: none). The fit spans two minutes.
TrendForecaster LeakAfter(int seconds, double noise, int outlier_every) {
  TrendForecaster forecaster({.window = 120, .min_readings = 10});
  std::mt19937 rng(11);
  std::normal_distribution<double> jitter(0.0, noise);
  for (int t = 0; t < seconds; ++t) {
    double value = 98.0 - 0.01 * t + (noise > 0 ? jitter(rng) : 0.0);
    if (outlier_every > 0 && t % outlier_every == 0) value = 0.0;
    forecaster.Push(t, value);
  }
  return forecaster;
}

TEST(TrendForecaster, ExactRampGivesExactTimeToLimit) {
  const TrendForecaster leak = LeakAfter(100, 0.0, 0);
  const std::optional<Forecast> f = leak.Predict(90.0, LimitSide::kBelow);
  ASSERT_TRUE(f.has_value());
  EXPECT_NEAR(f->slope_per_second, -0.01, 1e-12);
  EXPECT_NEAR(f->level, 97.01, 1e-9);  // At t = 99.
  ASSERT_TRUE(f->seconds_to_limit.has_value());
  EXPECT_NEAR(*f->seconds_to_limit, 701.0, 1e-6);
}

TEST(TrendForecaster, NoisyRampWithinFivePercent) {
  const TrendForecaster leak = LeakAfter(300, 0.1, 0);
  const std::optional<Forecast> f = leak.Predict(90.0, LimitSide::kBelow);
  ASSERT_TRUE(f.has_value() && f->seconds_to_limit.has_value());
  // Truth at t = 299: (97.01 - 2.0 - 90) / 0.01 = 501 s.
  EXPECT_NEAR(*f->seconds_to_limit, 501.0, 0.05 * 501.0);
}

TEST(TrendForecaster, IgnoresDropouts) {
  // One reading in eight is a dropout to 0: a least-squares line would
  // plunge; the median of slopes does not.
  const TrendForecaster leak = LeakAfter(300, 0.05, 8);
  const std::optional<Forecast> f = leak.Predict(90.0, LimitSide::kBelow);
  ASSERT_TRUE(f.has_value() && f->seconds_to_limit.has_value());
  EXPECT_NEAR(*f->seconds_to_limit, 501.0, 0.05 * 501.0);
}

TEST(TrendForecaster, NoTimeWhenMovingAwayOrFlat) {
  const TrendForecaster leak = LeakAfter(100, 0.0, 0);
  // Falling away from an upper limit.
  const std::optional<Forecast> away = leak.Predict(99.0, LimitSide::kAbove);
  ASSERT_TRUE(away.has_value());
  EXPECT_FALSE(away->seconds_to_limit.has_value());

  TrendForecaster flat({.window = 30, .min_readings = 5});
  for (int t = 0; t < 30; ++t) flat.Push(t, 37.0);
  const std::optional<Forecast> f = flat.Predict(39.0, LimitSide::kAbove);
  ASSERT_TRUE(f.has_value());
  EXPECT_DOUBLE_EQ(f->slope_per_second, 0.0);
  EXPECT_FALSE(f->seconds_to_limit.has_value());
}

TEST(TrendForecaster, RisingFeverAndAlreadyCritical) {
  TrendForecaster fever({.window = 60, .min_readings = 10});
  for (int t = 0; t < 60; ++t) fever.Push(t * 10.0, 37.0 + 0.002 * t * 10.0);
  const std::optional<Forecast> f = fever.Predict(39.0, LimitSide::kAbove);
  ASSERT_TRUE(f.has_value() && f->seconds_to_limit.has_value());
  // Level 38.18 at t = 590 s, rising 0.002/s: 410 s to go.
  EXPECT_NEAR(*f->seconds_to_limit, 410.0, 1e-6);
  const std::optional<Forecast> past = fever.Predict(38.0, LimitSide::kAbove);
  ASSERT_TRUE(past.has_value());
  EXPECT_EQ(past->seconds_to_limit, 0.0);
}

TEST(TrendForecaster, NeedsEnoughReadingsAndForwardTime) {
  TrendForecaster forecaster({.window = 20, .min_readings = 5});
  for (int t = 0; t < 4; ++t) forecaster.Push(t, t);
  EXPECT_FALSE(forecaster.Predict(10, LimitSide::kAbove).has_value());
  forecaster.Push(2.0, 100.0);  // Earlier than the last: ignored.
  EXPECT_EQ(forecaster.size(), 4u);

  TrendForecaster same_time({.window = 20, .min_readings = 5});
  for (int i = 0; i < 6; ++i) same_time.Push(5.0, i);
  EXPECT_FALSE(same_time.Predict(10, LimitSide::kAbove).has_value());
}

TEST(TrendOptions, Validates) {
  EXPECT_TRUE(Validate(TrendOptions{}).ok());
  EXPECT_FALSE(Validate({.window = 1, .min_readings = 1}).ok());
  EXPECT_FALSE(Validate({.window = 10, .min_readings = 11}).ok());
}

}  // namespace
}  // namespace heimdall::detect
