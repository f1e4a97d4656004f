#include "detect/vitals_scorer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>

namespace heimdall::detect {
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
  // Heart rate sticks at 81 from t = 59 for a minute.
  for (int t = 59; t < 119; ++t) {
    EXPECT_EQ(*scorer->Score(Vitals(t, 81, 98 + 0.001 * t, 37 + 0.001 * t)),
              0.0);
  }
  EXPECT_EQ(*scorer->Score(Vitals(119, 81, 98.2, 37.2)), 1.0);
  EXPECT_FALSE(
      scorer->Score(Vitals(120, kMissing, kMissing, kMissing, kMissing))
          .has_value());
}

TEST(FrozenVitalsScorer, TheSameSampleReadAgainIsNotAStuckSensor) {
  // A poll a hundred times faster than the source reads each sample a
  // hundred times: more reads than a minute of samples.
  std::unique_ptr<VitalsScorer> scorer = Make("frozen");
  for (int poll = 0; poll < 6000; ++poll) {
    const double t = poll / 100;  // Whole seconds.
    EXPECT_EQ(*scorer->Score(
                  Vitals(t, 80 + 0.01 * t, 98 - 0.001 * t, 37 + 0.001 * t)),
              0.0)
        << poll;
  }
}

TEST(ColumnVitalsScorer, ScoresOneValueWithADetectorKind) {
  DetectorSpec spec;
  spec.parts = {"gaussian"};
  spec.column = "value";
  Result<VitalsScorerFactory> factory =
      MakeVitalsScorerFactory(spec, ModelPart::kBuiltin);
  ASSERT_TRUE(factory.ok()) << factory.error().message();
  std::unique_ptr<VitalsScorer> scorer = (*factory)();
  auto schema = std::make_shared<const telemetry::Schema>(
      telemetry::Schema{"series", {"value"}});
  auto at = [&](double time, double value) {
    telemetry::Sample sample;
    sample.time = time;
    sample.schema = schema;
    sample.values[0] = value;
    return sample;
  };
  std::mt19937 rng(9);
  std::normal_distribution<double> noise(50.0, 1.0);
  double quiet = 0;
  for (int t = 0; t < 2000; ++t)
    quiet = std::max(quiet, *scorer->Score(at(t * 300.0, noise(rng))));
  const double jump = *scorer->Score(at(2000 * 300.0, 90));
  EXPECT_GT(jump, quiet);
  EXPECT_GT(jump, 0.9);
  // Read again at the same time: not pushed twice, same score.
  EXPECT_EQ(*scorer->Score(at(2000 * 300.0, 90)), jump);
  EXPECT_FALSE(scorer->Score(at(2001 * 300.0, kMissing)).has_value());
}

TEST(DetectorSpec, RefusesWhatItCannotBuild) {
  auto check = [](std::vector<std::string> parts, std::string column,
                  DetectorParams params = {}) {
    DetectorSpec spec{std::move(parts), std::move(column), std::move(params)};
    return Validate(spec);
  };
  EXPECT_TRUE(check({"trend", "frozen"}, "").ok());
  EXPECT_TRUE(check({"novelty"}, "value").ok());
  EXPECT_TRUE(check({"model", "gaussian"}, "temperature").ok());
  EXPECT_NE(check({}, "").error().message().find("no detector parts"),
            std::string::npos);
  EXPECT_NE(check({"oracle"}, "").error().message().find("'oracle'"),
            std::string::npos);
  EXPECT_NE(check({"trend", "trend"}, "").error().message().find("twice"),
            std::string::npos);
  EXPECT_NE(
      check({"novelty", "gaussian"}, "v").error().message().find("at most one"),
      std::string::npos);
  EXPECT_NE(check({"novelty"}, "").error().message().find("needs the column"),
            std::string::npos);
  EXPECT_NE(check({"trend"}, "value").error().message().find("column"),
            std::string::npos);
  EXPECT_FALSE(check({"trend"}, "", {{"long_window", 10}}).ok());
  EXPECT_FALSE(check({"novelty"}, "value", {{"no_such_param", 1}}).ok());
}

TEST(MakeVitalsScorerFactory, AnExternalModelIsLeftToTheCaller) {
  DetectorSpec only_model;
  only_model.parts = {"model"};
  Result<VitalsScorerFactory> none =
      MakeVitalsScorerFactory(only_model, ModelPart::kExternal);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(static_cast<bool>(*none));

  DetectorSpec with_trend;
  with_trend.parts = {"model", "trend"};
  Result<VitalsScorerFactory> trend =
      MakeVitalsScorerFactory(with_trend, ModelPart::kExternal);
  ASSERT_TRUE(trend.ok());
  // Without the model, an acute reading is nothing to the trend part yet.
  EXPECT_EQ(*(*trend)()->Score(Vitals(0, 150, 88, 39)), 0.0);
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
}  // namespace heimdall::detect
