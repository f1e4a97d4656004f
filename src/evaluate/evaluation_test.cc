#include "evaluate/evaluation.h"

#include <gtest/gtest.h>

#include <cmath>

namespace heimdall::evaluate {
namespace {

constexpr const char* kNab = HEIMDALL_SHARED_DIR "/datasets/nab";

// 100 rows a minute apart (15 probationary), one window over rows 40..49.
LabelledSeries MinuteSeries() {
  LabelledSeries series{"test/minutes.csv", {}, {}, {{40, 49}}};
  for (int i = 0; i < 100; ++i) {
    series.timestamps.push_back(1'400'000'000 + 60 * i);
    series.values.push_back(0.0);
  }
  return series;
}

std::vector<double> Spikes(std::vector<size_t> rows) {
  std::vector<double> scores(100, 0.0);
  for (size_t row : rows) scores[row] = 1.0;
  return scores;
}

healer::HealPolicy HalfThreshold() {
  healer::HealPolicy policy = ReplayHealPolicy();
  policy.threshold = 0.5;
  return policy;
}

TEST(ReplayHeals, CountsTrueAndFalseHealsAndLeadTime) {
  const SeriesOutcome out =
      ReplayHeals(MinuteSeries(), Spikes({45, 47, 70}), HalfThreshold());
  EXPECT_EQ(out.heals, (std::vector<size_t>{45, 47, 70}));
  EXPECT_EQ(out.windows_healed, 1u);
  EXPECT_EQ(out.false_heals, 1u);
  // The window ends at row 49; the first heal came 4 minutes before.
  EXPECT_EQ(out.lead_seconds, (std::vector<int64_t>{240}));
}

TEST(ReplayHeals, IgnoresProbationaryPeriod) {
  const SeriesOutcome out =
      ReplayHeals(MinuteSeries(), Spikes({3, 14}), HalfThreshold());
  EXPECT_TRUE(out.heals.empty());
  EXPECT_EQ(out.probation, 15u);
}

TEST(ReplayHeals, FollowsThePolicySustainedCount) {
  healer::HealPolicy policy = HalfThreshold();
  policy.sustained_count = 2;
  const SeriesOutcome lone = ReplayHeals(MinuteSeries(), Spikes({45}), policy);
  EXPECT_TRUE(lone.heals.empty());
  const SeriesOutcome pair =
      ReplayHeals(MinuteSeries(), Spikes({44, 45}), policy);
  EXPECT_EQ(pair.heals, (std::vector<size_t>{45}));
}

TEST(EvaluateScores, HealsAtTheNabStandardThreshold) {
  // One detection early in the window and a weaker false alarm: NAB picks a
  // threshold that keeps the first and drops the second.
  std::vector<double> scores = Spikes({41});
  scores[80] = 0.6;
  Result<EvaluationReport> report =
      EvaluateScores({MinuteSeries()}, {scores}, "test", EvaluationOptions{});
  ASSERT_TRUE(report.ok()) << report.error().message();
  ASSERT_EQ(report->nab.size(), 3u);
  EXPECT_EQ(report->nab[0].profile.name, "standard");
  EXPECT_DOUBLE_EQ(report->heal_threshold, 1.0);
  EXPECT_EQ(report->heals.heals, 1u);
  EXPECT_EQ(report->heals.precision, 1.0);
  EXPECT_EQ(report->heals.recall, 1.0);
  EXPECT_EQ(report->heals.median_lead_seconds, 8 * 60.0);
}

TEST(EvaluateScores, NoHealsWhenNothingShouldFire) {
  Result<EvaluationReport> report =
      EvaluateScores({MinuteSeries()}, {std::vector<double>(100, 0.5)}, "flat",
                     EvaluationOptions{});
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_TRUE(std::isinf(report->heal_threshold));
  EXPECT_EQ(report->heals.heals, 0u);
  EXPECT_FALSE(report->heals.precision.has_value());
  EXPECT_EQ(report->heals.recall, 0.0);
  EXPECT_EQ(report->series[0].scores.size(), 100u);
}

TEST(EvaluateScores, RejectsMismatchedScoresAndEmptyCorpus) {
  EXPECT_FALSE(EvaluateScores({MinuteSeries()}, {std::vector<double>(99)},
                              "short", EvaluationOptions{})
                   .ok());
  EXPECT_FALSE(EvaluateScores({}, {}, "none", EvaluationOptions{}).ok());
  EvaluationOptions bad;
  bad.heal_policy.cooldown = healer::Duration(-1);
  EXPECT_FALSE(
      EvaluateScores({MinuteSeries()}, {Spikes({41})}, "bad", bad).ok());
}

// The default detector on the real corpus: a regression guard on its
// measured NAB scores (75.20 / 63.37 / 81.46 when this was written), and a
// check that Evaluate agrees with scoring its output directly.
TEST(Evaluate, DefaultDetectorOnNabCorpus) {
  Result<WindowLabels> labels =
      ReadWindowLabels(std::string(kNab) + "/labels/combined_windows.json");
  ASSERT_TRUE(labels.ok());
  Result<std::vector<LabelledSeries>> corpus =
      ReadCorpus(std::string(kNab) + "/data", *labels);
  ASSERT_TRUE(corpus.ok());
  Result<detect::DetectorFactory> factory =
      detect::DetectorFactory::Create("novelty");
  ASSERT_TRUE(factory.ok());

  Result<EvaluationReport> report =
      Evaluate(*corpus, *factory, EvaluationOptions{});
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_GE(report->nab[0].normalised, 70.0);
  EXPECT_NEAR(report->nab[0].normalised, 75.20, 0.01);
  EXPECT_NEAR(report->nab[1].normalised, 63.37, 0.01);
  EXPECT_NEAR(report->nab[2].normalised, 81.46, 0.01);
  EXPECT_EQ(report->rows, 365558u);
  EXPECT_EQ(report->heals.windows, 116u);
  // With one alert per episode and sustained_count 1, every window NAB
  // counts as detected is also healed.
  size_t detected = 0;
  for (const FileScore& file : report->nab[0].files) {
    detected += file.windows_detected;
  }
  EXPECT_EQ(report->heals.windows_healed, detected);
}

}  // namespace
}  // namespace heimdall::evaluate
