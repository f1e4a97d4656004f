#include "evaluate/vitals_scorer.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>

namespace heimdall::evaluate {
namespace {

using telemetry::kMissing;

std::shared_ptr<const telemetry::Schema> VitalsSchema() {
  static const auto schema =
      std::make_shared<const telemetry::Schema>(telemetry::Schema{
          "test",
          {"heart_rate", "oxygen_level", "temperature", "respiration_rate"}});
  return schema;
}

// Respiration varies a little with time unless given, like a live sensor.
telemetry::Sample Vitals(double time, double heart, double oxygen,
                         double temperature,
                         std::optional<double> respiration = std::nullopt) {
  telemetry::Sample sample;
  sample.time = time;
  sample.schema = VitalsSchema();
  sample.values[0] = heart;
  sample.values[1] = oxygen;
  sample.values[2] = temperature;
  sample.values[3] = respiration.value_or(14 + 0.001 * time);
  return sample;
}

std::unique_ptr<VitalsScorer> Make(std::string_view parts) {
  Result<VitalsScorerFactory> factory = MakeVitalsScorerFactory(parts);
  EXPECT_TRUE(factory.ok()) << factory.error().message();
  return (*factory)();
}

TEST(ModelVitalsScorer, EarlierModelSeparatesHealthyFromAcute) {
  std::unique_ptr<VitalsScorer> scorer = Make("model");
  EXPECT_LT(*scorer->Score(Vitals(0, 80, 98.7, 36.95)), 0.5);
  EXPECT_GT(*scorer->Score(Vitals(1, 150, 88, 39)), 0.9);
  EXPECT_FALSE(scorer->Score(Vitals(2, 80, kMissing, 36.95)).has_value());
}

TEST(TrendVitalsScorer, ReachesNinetyPercentTenMinutesBeforeCritical) {
  // Oxygen falls half a point a minute from 98 %: critical (85 %) at 26 min.
  std::unique_ptr<VitalsScorer> scorer = Make("trend");
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0.0, 0.3);
  double at_14_minutes = 0, at_18_minutes = 0;
  for (int t = 0; t <= 18 * 60; ++t) {
    const double oxygen = 98.0 - 0.5 * t / 60.0 + noise(rng);
    const double p =
        *scorer->Score(Vitals(t, 80, oxygen, 37.0 + noise(rng) / 10));
    if (t == 14 * 60) at_14_minutes = p;
    if (t == 18 * 60) at_18_minutes = p;
  }
  EXPECT_LT(at_14_minutes, 0.9);  // 12 minutes to go.
  EXPECT_GT(at_18_minutes, 0.9);  // 8 minutes to go.
}

TEST(TrendVitalsScorer, SteadyVitalsScoreZeroAndDropoutIsUnscored) {
  std::unique_ptr<VitalsScorer> scorer = Make("trend");
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 0.3);
  for (int t = 0; t < 1800; ++t) {
    EXPECT_EQ(*scorer->Score(Vitals(t, 80, 98 + noise(rng), 37)), 0.0) << t;
  }
  EXPECT_FALSE(scorer->Score(Vitals(1800, 80, kMissing, kMissing)).has_value());
}

TEST(FrozenVitalsScorer, FlagsAMinuteOfIdenticalReadings) {
  std::unique_ptr<VitalsScorer> scorer = Make("frozen");
  for (int t = 0; t < 59; ++t) {
    EXPECT_EQ(*scorer->Score(Vitals(t, 80 + 0.01 * t, 98, 37)), 0.0);
  }
  // Heart rate sticks at 81 for a minute.
  for (int t = 59; t < 118; ++t) {
    EXPECT_EQ(*scorer->Score(Vitals(t, 81, 98 + 0.001 * t, 37 + 0.001 * t)),
              0.0);
  }
  EXPECT_EQ(*scorer->Score(Vitals(118, 81, 98.2, 37.2)), 1.0);
  EXPECT_FALSE(
      scorer->Score(Vitals(119, kMissing, kMissing, kMissing, kMissing))
          .has_value());
}

TEST(MakeVitalsScorerFactory, TakesTheLargestOfItsParts) {
  std::unique_ptr<VitalsScorer> both = Make("trend,model");
  // Trend has nothing to say yet; the model flags the acute reading.
  EXPECT_GT(*both->Score(Vitals(0, 150, 88, 39)), 0.9);
  EXPECT_FALSE(MakeVitalsScorerFactory("oracle").ok());
  EXPECT_FALSE(MakeVitalsScorerFactory("trend,trend").ok());
  EXPECT_FALSE(MakeVitalsScorerFactory("").ok());
}

}  // namespace
}  // namespace heimdall::evaluate
