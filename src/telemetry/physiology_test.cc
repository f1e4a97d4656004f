#include "telemetry/physiology.h"

#include <gtest/gtest.h>

#include <cmath>

#include "telemetry/simulator.h"

namespace heimdall::telemetry {
namespace {

SimulatorOptions Options(uint64_t seed, double rate = 1.0) {
  SimulatorOptions options;
  options.seed = seed;
  options.rate = rate;
  return options;
}

constexpr int kDaySeconds = 86400;

// Share of a day's readings inside the healthy training ranges, per vital.
struct InRange {
  int heart_rate = 0, oxygen_level = 0, temperature = 0;
  int critical = 0;
  int exertion_samples = 0;
};

InRange RunNominalDay(uint64_t seed) {
  std::unique_ptr<Simulator> simulator =
      Simulator::Create(Options(seed)).value();
  InRange counts;
  for (int i = 0; i < kDaySeconds; ++i) {
    const Sample sample = *simulator->Next().value();
    counts.critical += sample.truth->critical;
    const double hr = sample.values[0], spo2 = sample.values[1],
                 temp = sample.values[2];
    counts.heart_rate += hr >= 70 && hr <= 90;
    counts.oxygen_level += spo2 >= 98.0 && spo2 <= 99.5;
    counts.temperature += temp >= 36.7 && temp <= 37.2;
    counts.exertion_samples += simulator->physiology().exertion() > 0.2;
  }
  return counts;
}

TEST(Physiology, NominalDayIsNeverCriticalAndMostlyInRange) {
  for (uint64_t seed : {1, 2, 3, 42, 1234567}) {
    SCOPED_TRACE(seed);
    const InRange counts = RunNominalDay(seed);
    EXPECT_EQ(counts.critical, 0);
    EXPECT_GT(counts.heart_rate, 0.90 * kDaySeconds);
    EXPECT_GT(counts.oxygen_level, 0.95 * kDaySeconds);
    EXPECT_GT(counts.temperature, 0.95 * kDaySeconds);
    // Not a constant: something must leave the range now and then.
    EXPECT_LT(counts.heart_rate, kDaySeconds);
  }
}

TEST(Physiology, ExertionEpisodesHappen) {
  int days_with_exertion = 0;
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    days_with_exertion += RunNominalDay(seed).exertion_samples > 0;
  }
  // Episodes come every 4 h on average: nearly every day has some.
  EXPECT_GE(days_with_exertion, 4);
}

TEST(Physiology, ReadingsVaryAndDriftSlowly) {
  Physiology body(9);
  double min_hr = 1e9, max_hr = -1e9, largest_step = 0;
  double previous = body.truth().heart_rate;
  for (int i = 0; i < 3600; ++i) {
    const double hr = body.Advance(1.0).heart_rate;
    min_hr = std::min(min_hr, hr);
    max_hr = std::max(max_hr, hr);
    largest_step = std::max(largest_step, std::abs(hr - previous));
    previous = hr;
  }
  EXPECT_GT(max_hr - min_hr, 1.0);  // It moves...
  EXPECT_LT(largest_step, 2.0);     // ...but the truth has no jumps.
}

TEST(Physiology, HeartRateFollowsTemperature) {
  // At rest, heart rate rises about 10 bpm per deg C of temperature above
  // the resting mean. Heart rate also drifts on its own (sd 2.5 bpm), so
  // the least-squares slope over ~750 astronaut-hours lands near 10 with a
  // standard error of about 2; without the coupling it would be near 0.
  double sum_xy = 0, sum_xx = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Physiology body(seed);
    for (int hour = 0; hour < 24; ++hour) {
      const Vitals& v = body.Advance(3600.0);
      if (body.exertion() > 0.01) continue;
      const double x = v.temperature - body.baseline().temperature;
      sum_xy += x * (v.heart_rate - body.baseline().heart_rate);
      sum_xx += x * x;
    }
  }
  EXPECT_NEAR(sum_xy / sum_xx, 10.0, 4.0);
}

TEST(Physiology, MeasurementAddsNoiseButNotToTheTruth) {
  Physiology body(3);
  const Vitals truth = body.truth();
  const Vitals a = body.Measure(truth);
  const Vitals b = body.Measure(truth);
  EXPECT_NE(a.heart_rate, b.heart_rate);
  EXPECT_EQ(body.truth().heart_rate, truth.heart_rate);
  EXPECT_LE(a.oxygen_level, 100.0);
}

}  // namespace
}  // namespace heimdall::telemetry
