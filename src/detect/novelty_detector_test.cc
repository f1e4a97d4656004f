#include "detect/novelty_detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace heimdall::detect {
namespace {

constexpr int64_t kFiveMinutes = 300;

TEST(ValueMemory, MeasuresDistanceBeyondRangeAndUnvisitedCells) {
  ValueMemory memory(2);
  EXPECT_DOUBLE_EQ(memory.Push(0.0, 0.5), 0.0);    // Nothing remembered yet.
  EXPECT_DOUBLE_EQ(memory.Push(10.0, 0.5), 10.0);  // 10 beyond the max.
  EXPECT_DOUBLE_EQ(memory.Push(5.0, 0.5), 0.5);    // Inside, unvisited cell.
  EXPECT_DOUBLE_EQ(memory.Push(5.3, 0.5), 0.0);    // Inside, cell 5 visited.
}

TEST(ValueMemory, ForgetsBeyondCapacity) {
  ValueMemory memory(2);
  (void)memory.Push(0.0, 0.5);
  (void)memory.Push(10.0, 0.5);
  (void)memory.Push(5.0, 0.5);  // Forgets 0: memory is {10, 5}.
  EXPECT_DOUBLE_EQ(memory.Push(0.0, 0.5), 5.0);
}

TEST(DailyProfile, ScoresOnlyEstablishedSlotsAndMeasuresRhythm) {
  DailyProfile daily(24);
  for (int64_t t = 0; t < 10 * 86400; t += kFiveMinutes) {
    const double hour = static_cast<double>(t % 86400) / 3600.0;
    EXPECT_DOUBLE_EQ(daily.Push(t, std::sin(hour / 24 * 2 * M_PI), 1000), 0.0);
  }
  EXPECT_GT(daily.ExplainedVariance(), 0.95);
  // Midnight's slot never went below sin(0) = 0 or above sin(pi/12).
  EXPECT_NEAR(daily.Push(10 * 86400, -1.0, 50), 1.0, 1e-9);
  EXPECT_DOUBLE_EQ(daily.Push(10 * 86400, 0.1, 50), 0.0);
}

TEST(DailyProfile, NoiseHasNoRhythm) {
  DailyProfile daily(24);
  std::mt19937 rng(7);
  std::normal_distribution<double> noise;
  for (int64_t t = 0; t < 10 * 86400; t += kFiveMinutes) {
    (void)daily.Push(t, noise(rng), 50);
  }
  EXPECT_LT(daily.ExplainedVariance(), 0.05);
}

// Feeds `values` at 5-minute steps from time 0; returns the scores.
std::vector<double> Feed(NoveltyDetector& detector,
                         const std::vector<double>& values) {
  std::vector<double> scores;
  for (size_t i = 0; i < values.size(); ++i) {
    scores.push_back(
        detector.Push(static_cast<int64_t>(i) * kFiveMinutes, values[i]));
  }
  return scores;
}

std::vector<double> UniformNoise(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> noise(0.0, 1.0);
  std::vector<double> values(n);
  for (double& v : values) v = noise(rng);
  return values;
}

TEST(NoveltyDetector, ScoresZeroDuringWarmupAndOnFamiliarReadings) {
  NoveltyOptions options;
  NoveltyDetector detector(options);
  std::vector<double> values = UniformNoise(5000, 1);
  const std::vector<double> scores = Feed(detector, values);
  for (int i = 0; i < options.warmup; ++i) EXPECT_EQ(scores[i], 0.0) << i;
  // Noise inside a well-visited band alerts rarely: novelty is sparse.
  const long alerts = std::count_if(scores.begin(), scores.end(),
                                    [](double s) { return s > 0; });
  EXPECT_LT(alerts, 20);
}

TEST(NoveltyDetector, AlertsOnceOnASpikeBeyondRecentRange) {
  NoveltyDetector detector{NoveltyOptions{}};
  std::vector<double> values = UniformNoise(2000, 2);
  values.push_back(5.0);  // 32 cells above a [0, 1] band of 8 cells.
  values.push_back(6.0);  // Higher still, but within the same episode.
  const std::vector<double> scores = Feed(detector, values);
  EXPECT_GT(scores[2000], 0.99);
  EXPECT_LE(scores[2000], 1.0);
  EXPECT_EQ(scores[2001], 0.0);
}

TEST(NoveltyDetector, EpisodeEndsAfterQuietReadings) {
  NoveltyDetector detector{NoveltyOptions{}};
  std::vector<double> values = UniformNoise(2000, 3);
  values.push_back(5.0);
  for (int i = 0; i < 40; ++i) values.push_back(0.5);
  values.push_back(7.0);
  const std::vector<double> scores = Feed(detector, values);
  EXPECT_GT(scores[2000], 0.5);
  EXPECT_GT(scores.back(), 0.5);
}

TEST(NoveltyDetector, FlagsLevelNeverSeenAtThisHour) {
  NoveltyOptions options;
  NoveltyDetector detector(options);
  // Ten days of a daily wave: high by day, low by night.
  int64_t t = 0;
  for (; t < 10 * 86400; t += kFiveMinutes) {
    const double hour = static_cast<double>(t % 86400) / 3600.0;
    (void)detector.Push(t, 50 + 40 * std::sin(hour / 24 * 2 * M_PI));
  }
  // Day 11, 18:00 (the trough at 10): a daytime level, normal by itself.
  const int64_t evening = t + 18 * 3600;
  EXPECT_DOUBLE_EQ(detector.Push(t + 6 * 3600, 90.0), 0.0);
  EXPECT_GT(detector.Push(evening, 88.0), 0.4);
}

TEST(NoveltyDetector, IsDeterministic) {
  const std::vector<double> values = UniformNoise(3000, 4);
  NoveltyDetector a{NoveltyOptions{}}, b{NoveltyOptions{}};
  EXPECT_EQ(Feed(a, values), Feed(b, values));
}

TEST(NoveltyDetector, FlatWarmupStillDetectsAStep) {
  NoveltyDetector detector{NoveltyOptions{}};
  std::vector<double> values(1000, 45.0);
  values.push_back(46.0);
  const std::vector<double> scores = Feed(detector, values);
  EXPECT_GT(scores.back(), 0.5);
}

TEST(NoveltyOptionsFromParams, ReadsKnownAndRejectsUnknownOrBad) {
  Result<NoveltyOptions> options =
      NoveltyOptionsFromParams({{"warmup", 100}, {"smooth_weight", 0.25}});
  ASSERT_TRUE(options.ok()) << options.error().message();
  EXPECT_EQ(options->warmup, 100);
  EXPECT_DOUBLE_EQ(options->smooth_weight, 0.25);
  EXPECT_FALSE(NoveltyOptionsFromParams({{"warmpu", 100}}).ok());
  EXPECT_FALSE(NoveltyOptionsFromParams({{"warmup", 10.5}}).ok());
  EXPECT_FALSE(NoveltyOptionsFromParams({{"levels", 0}}).ok());
  EXPECT_FALSE(NoveltyOptionsFromParams({{"smooth_weight", 1.5}}).ok());
}

}  // namespace
}  // namespace heimdall::detect
