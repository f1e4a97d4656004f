#include "healer/monitor.h"

#include <gtest/gtest.h>

#include "healer/test_fakes.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;
using testing::FakeProbe;
using testing::FakeProvider;
using testing::Mode;

class MonitorTest : public ::testing::Test {
 protected:
  MonitorTest() {
    options_.policy.grace = 0s;
    options_.interval = 5s;
    target_ = FakeProvider().Describe(1);
  }
  MonitorOutcome Run() { return RunMonitor(options_, probe_, target_, clock_); }

  MonitorOptions options_;
  FakeProbe probe_;
  FakeClock clock_;
  Deployment target_;
};

TEST_F(MonitorTest, ExitCodesAreTheDocumentedOnes) {
  EXPECT_EQ(ExitCode(MonitorVerdict::kTimeLimit), 0);
  EXPECT_EQ(ExitCode(MonitorVerdict::kThreshold), 3);
  EXPECT_EQ(ExitCode(MonitorVerdict::kUnresponsive), 4);
  EXPECT_EQ(ExitCode(MonitorVerdict::kInvalidReading), 5);
  EXPECT_EQ(ExitCode(MonitorVerdict::kEnded), 6);
  EXPECT_EQ(ExitCode(MonitorVerdict::kStaleReading), 7);
}

TEST_F(MonitorTest, ThresholdBreachStopsAfterTwoReadings) {
  probe_.default_mode = Mode::kFailing;
  const MonitorOutcome outcome = Run();
  EXPECT_EQ(outcome.verdict, MonitorVerdict::kThreshold);
  EXPECT_EQ(outcome.polls, 2);
  EXPECT_DOUBLE_EQ(*outcome.last_reading->probability, 0.99);
}

TEST_F(MonitorTest, SilenceIsUnresponsiveAfterThreePolls) {
  probe_.default_mode = Mode::kSilent;
  const MonitorOutcome outcome = Run();
  EXPECT_EQ(outcome.verdict, MonitorVerdict::kUnresponsive);
  EXPECT_EQ(outcome.polls, 3);
}

TEST_F(MonitorTest, AnswersWithoutProbabilityAreTheirOwnVerdict) {
  probe_.default_mode = Mode::kInvalid;
  EXPECT_EQ(Run().verdict, MonitorVerdict::kInvalidReading);
}

TEST_F(MonitorTest, TimeLimitWithoutBreachIsSuccess) {
  options_.max_duration = 60s;
  const TimePoint start = clock_.Now();
  const MonitorOutcome outcome = Run();
  EXPECT_EQ(outcome.verdict, MonitorVerdict::kTimeLimit);
  EXPECT_EQ(outcome.polls, 13);  // At 0, 5, ..., 60 s.
  EXPECT_LE(clock_.Now() - start, 60s);
}

TEST_F(MonitorTest, GraceIgnoresTheFirstReadings) {
  options_.policy.grace = 45s;
  probe_.default_mode = Mode::kFailing;
  const MonitorOutcome outcome = Run();
  EXPECT_EQ(outcome.verdict, MonitorVerdict::kThreshold);
  EXPECT_EQ(outcome.polls, 11);  // 0..40 s ignored; breach at 45 and 50 s.
}

TEST_F(MonitorTest, FrozenReadingsAreStaleWhenAsked) {
  options_.policy.stale_after = 30s;  // The fake always reads the same.
  const MonitorOutcome outcome = Run();
  EXPECT_EQ(outcome.verdict, MonitorVerdict::kStaleReading);
  EXPECT_EQ(outcome.polls, 7);  // 0 .. 30 s.
}

TEST_F(MonitorTest, AnEndedReplayStopsTheWatch) {
  probe_.default_mode = Mode::kEnded;
  EXPECT_EQ(Run().verdict, MonitorVerdict::kEnded);
}

}  // namespace
}  // namespace heimdall::healer
