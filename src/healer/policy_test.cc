#include "healer/policy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <vector>

namespace heimdall::healer {
namespace {

const TimePoint kStart = TimePoint(Duration(1'700'000'000'000));

// Drives the pure decision function the way the controller does, with time
// under the test's control.
class Driver {
 public:
  explicit Driver(HealPolicy policy) : policy_(policy) {
    state_ = OnGenerationBuilt(policy_, state_, now_);
  }

  Decision Poll(std::optional<double> probability, bool responsive = true) {
    const Step step = Decide(policy_, state_, {now_, responsive, probability});
    state_ = step.state;
    if (step.decision.action == Action::kHeal) {
      state_ = OnGenerationBuilt(policy_, state_, now_);
    }
    return step.decision;
  }
  Decision Silent() { return Poll(std::nullopt, false); }

  void Advance(Duration d) { now_ += d; }
  TimePoint now() const { return now_; }
  HealState& state() { return state_; }
  HealPolicy& policy() { return policy_; }

 private:
  HealPolicy policy_;
  HealState state_;
  TimePoint now_ = kStart;
};

HealPolicy NoGracePolicy() {
  HealPolicy policy;
  policy.grace = 0s;
  policy.cooldown = 0s;
  policy.backoff.jitter = 0.0;
  policy.breaker.max_heals = 0;
  return policy;
}

// Two breaching readings a second apart; returns the second decision.
Decision Breach(Driver& driver) {
  driver.Poll(0.99);
  driver.Advance(1s);
  return driver.Poll(0.99);
}

TEST(Validate, AcceptsDefaultsAndNamesTheBadField) {
  EXPECT_TRUE(Validate(HealPolicy{}).ok());
  struct Case {
    void (*mutate)(HealPolicy&);
    const char* field;
  };
  const Case cases[] = {
      {[](HealPolicy& p) { p.threshold = 1.0; }, "threshold"},
      {[](HealPolicy& p) { p.threshold = std::nan(""); }, "threshold"},
      {[](HealPolicy& p) { p.sustained_count = 0; }, "sustained_count"},
      {[](HealPolicy& p) { p.unresponsive_polls = 0; }, "unresponsive_polls"},
      {[](HealPolicy& p) { p.grace = -1s; }, "grace"},
      {[](HealPolicy& p) { p.cooldown = -1s; }, "cooldown"},
      {[](HealPolicy& p) { p.backoff.base = 0s; }, "backoff.base"},
      {[](HealPolicy& p) { p.backoff.max = 1s; }, "backoff.max"},
      {[](HealPolicy& p) { p.backoff.jitter = 1.0; }, "backoff.jitter"},
      {[](HealPolicy& p) { p.breaker.max_heals = -1; }, "breaker.max_heals"},
  };
  for (const Case& c : cases) {
    HealPolicy policy;
    c.mutate(policy);
    const Status status = Validate(policy);
    ASSERT_FALSE(status.ok()) << c.field;
    EXPECT_NE(status.ToString().find(c.field), std::string::npos)
        << status.ToString();
  }
}

TEST(Decide, HealthyReadingsNeverHeal) {
  Driver driver(NoGracePolicy());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(driver.Poll(0.05).action, Action::kNone);
    driver.Advance(1s);
  }
}

TEST(Decide, ThresholdNeedsTwoReadingsInARow) {
  Driver driver(NoGracePolicy());
  const Decision first = driver.Poll(0.95);
  EXPECT_EQ(first.action, Action::kNone);
  EXPECT_EQ(first.reason, HealReason::kNone);
  driver.Advance(1s);
  const Decision second = driver.Poll(0.95);
  EXPECT_EQ(second.action, Action::kHeal);
  EXPECT_EQ(second.reason, HealReason::kThreshold);
}

TEST(Decide, ThresholdIsStrictlyAbove) {
  Driver driver(NoGracePolicy());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(driver.Poll(0.9).action, Action::kNone);
}

TEST(Decide, HealthyReadingBreaksTheRun) {
  Driver driver(NoGracePolicy());
  driver.Poll(0.99);
  driver.Poll(0.2);
  EXPECT_EQ(driver.Poll(0.99).action, Action::kNone);
  EXPECT_EQ(driver.Poll(0.99).action, Action::kHeal);
}

TEST(Decide, MissingReadingNeitherCountsNorBreaksTheRun) {
  Driver driver(NoGracePolicy());
  driver.Poll(0.99);
  EXPECT_EQ(driver.Poll(std::nullopt).action, Action::kNone);
  EXPECT_EQ(driver.Silent().action, Action::kNone);
  const Decision decision = driver.Poll(0.99);
  EXPECT_EQ(decision.action, Action::kHeal);
  EXPECT_EQ(decision.reason, HealReason::kThreshold);
}

TEST(Decide, SustainedDurationMustAlsoPass) {
  HealPolicy policy = NoGracePolicy();
  policy.sustained_count = 1;
  policy.sustained_for = 10s;
  Driver driver(policy);
  EXPECT_EQ(driver.Poll(0.99).action, Action::kNone);
  driver.Advance(9s);
  EXPECT_EQ(driver.Poll(0.99).action, Action::kNone);
  driver.Advance(1s);
  EXPECT_EQ(driver.Poll(0.99).action, Action::kHeal);
}

TEST(Decide, CountAndDurationBothRequired) {
  HealPolicy policy = NoGracePolicy();
  policy.sustained_count = 3;
  policy.sustained_for = 1s;
  Driver driver(policy);
  driver.Poll(0.99);
  driver.Advance(5s);
  EXPECT_EQ(driver.Poll(0.99).action, Action::kNone);  // Long, but 2 of 3.
  EXPECT_EQ(driver.Poll(0.99).action, Action::kHeal);
}

TEST(Decide, UnresponsiveAfterThreePolls) {
  Driver driver(NoGracePolicy());
  EXPECT_EQ(driver.Silent().action, Action::kNone);
  EXPECT_EQ(driver.Silent().action, Action::kNone);
  const Decision decision = driver.Silent();
  EXPECT_EQ(decision.action, Action::kHeal);
  EXPECT_EQ(decision.reason, HealReason::kUnresponsive);
}

TEST(Decide, ValidReadingResetsTheUnresponsiveCount) {
  Driver driver(NoGracePolicy());
  driver.Silent();
  driver.Silent();
  driver.Poll(0.1);
  EXPECT_EQ(driver.Silent().action, Action::kNone);
  EXPECT_EQ(driver.Silent().action, Action::kNone);
  EXPECT_EQ(driver.Silent().action, Action::kHeal);
}

TEST(Decide, NonFiniteProbabilityIsNeverHealthy) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    Driver driver(NoGracePolicy());
    driver.Poll(0.99);
    driver.Poll(bad);  // Must not break the run like a healthy reading.
    EXPECT_EQ(driver.Poll(0.99).action, Action::kHeal) << bad;

    Driver invalid(NoGracePolicy());
    invalid.Poll(bad);
    invalid.Poll(bad);
    const Decision decision = invalid.Poll(bad);
    EXPECT_EQ(decision.action, Action::kHeal) << bad;
    EXPECT_EQ(decision.reason, HealReason::kInvalidReading) << bad;
  }
}

TEST(Decide, AnsweredWithoutProbabilityMixedWithSilenceIsUnresponsive) {
  Driver driver(NoGracePolicy());
  driver.Poll(std::nullopt);
  driver.Silent();
  const Decision decision = driver.Poll(std::nullopt);
  EXPECT_EQ(decision.action, Action::kHeal);
  EXPECT_EQ(decision.reason, HealReason::kUnresponsive);
}

// Polls with the given values' fingerprint and a healthy probability.
Decision PollValues(Driver& driver, uint64_t fingerprint) {
  Observation observation{driver.now(), true, 0.1, fingerprint};
  const Step step = Decide(driver.policy(), driver.state(), observation);
  driver.state() = step.state;
  return step.decision;
}

TEST(Decide, ValuesThatStopChangingAreStaleAfterTheSetTime) {
  HealPolicy policy = NoGracePolicy();
  policy.stale_after = 10s;
  Driver driver(policy);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(PollValues(driver, 7).action, Action::kNone) << i;
    driver.Advance(1s);
  }
  const Decision decision = PollValues(driver, 7);  // 10 s unchanged.
  EXPECT_EQ(decision.action, Action::kHeal);
  EXPECT_EQ(decision.reason, HealReason::kStaleReading);
}

TEST(Decide, ChangingOrMissingValuesAreNotStale) {
  HealPolicy policy = NoGracePolicy();
  policy.stale_after = 10s;
  Driver driver(policy);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(PollValues(driver, 1000 + i % 3).action, Action::kNone);
    driver.Advance(1s);
  }
  policy.stale_after = 0s;  // Disabled: the same values forever are fine.
  Driver disabled(policy);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(PollValues(disabled, 7).action, Action::kNone);
    disabled.Advance(1s);
  }
}

TEST(Decide, GraceIgnoresReadingsAfterABuild) {
  HealPolicy policy = NoGracePolicy();
  policy.grace = 45s;
  Driver driver(policy);
  for (int i = 0; i < 44; ++i) {
    const Decision decision = driver.Poll(0.99);
    EXPECT_EQ(decision.action, Action::kNone);
    EXPECT_EQ(decision.hold, Hold::kGrace);
    EXPECT_EQ(decision.hold_until, kStart + 45s);
    driver.Advance(1s);
  }
  driver.Silent();
  driver.Advance(1s);
  // Grace is over; nothing seen during it counts.
  EXPECT_EQ(driver.Poll(0.99).action, Action::kNone);
  EXPECT_EQ(driver.Poll(0.99).action, Action::kHeal);
}

TEST(Decide, CooldownHoldsTheNextHeal) {
  HealPolicy policy = NoGracePolicy();
  policy.cooldown = 30s;
  Driver driver(policy);
  ASSERT_EQ(Breach(driver).action, Action::kHeal);
  const TimePoint healed = driver.now();

  driver.Advance(5s);
  const Decision held = Breach(driver);
  EXPECT_EQ(held.action, Action::kNone);
  EXPECT_EQ(held.reason, HealReason::kThreshold);
  EXPECT_EQ(held.hold, Hold::kCooldown);
  EXPECT_EQ(held.hold_until, healed + 30s);

  // Still breaching when the cooldown ends: heal on the next reading.
  driver.Advance(23s);
  EXPECT_EQ(driver.Poll(0.99).action, Action::kNone);
  driver.Advance(1s);
  EXPECT_EQ(driver.Poll(0.99).action, Action::kHeal);
}

TEST(Decide, RecoveryDuringCooldownCancelsTheHeal) {
  HealPolicy policy = NoGracePolicy();
  policy.cooldown = 30s;
  Driver driver(policy);
  ASSERT_EQ(Breach(driver).action, Action::kHeal);
  Breach(driver);
  driver.Poll(0.1);
  driver.Advance(60s);
  EXPECT_EQ(driver.Poll(0.99).action, Action::kNone);
}

TEST(BackoffDelay, DoublesFromBaseToMax) {
  BackoffPolicy policy;
  policy.jitter = 0.0;
  uint64_t rng = 1;
  const std::vector<Duration> expected = {10s, 20s, 40s, 80s, 160s, 300s, 300s};
  for (size_t n = 1; n <= expected.size(); ++n) {
    EXPECT_EQ(BackoffDelay(policy, static_cast<int>(n), &rng), expected[n - 1])
        << n;
  }
  EXPECT_EQ(BackoffDelay(policy, 1'000'000, &rng), 300s);
}

TEST(BackoffDelay, JitterStaysInBoundsAndFollowsTheSeed) {
  BackoffPolicy policy;
  policy.jitter = 0.2;
  uint64_t rng = 42;
  uint64_t again = 42;
  std::set<Duration::rep> seen;
  for (int i = 0; i < 1000; ++i) {
    const int n = 1 + i % 8;
    const Duration plain =
        std::min(Duration(10s) * (1 << (n - 1)), Duration(5min));
    const Duration delay = BackoffDelay(policy, n, &rng);
    EXPECT_GE(delay.count(), plain.count() * 0.8 - 1) << n;
    EXPECT_LE(delay.count(), std::min(plain.count() * 1.2 + 1, 300'000.0)) << n;
    EXPECT_EQ(BackoffDelay(policy, n, &again), delay);
    if (n == 1) seen.insert(delay.count());
  }
  EXPECT_GT(seen.size(), 50u);  // Jitter really spreads the delays.
}

TEST(Decide, RepeatedHealsBackOff) {
  HealPolicy policy = NoGracePolicy();
  policy.cooldown = 5s;
  Driver driver(policy);
  const std::vector<Duration> gaps = {10s, 20s, 40s, 80s, 160s, 300s, 300s};
  ASSERT_EQ(Breach(driver).action, Action::kHeal);
  for (Duration gap : gaps) {
    const TimePoint healed = driver.now();
    const Decision held = Breach(driver);
    ASSERT_EQ(held.hold, Hold::kBackoff);
    EXPECT_EQ(held.hold_until, healed + gap);
    driver.Advance(healed + gap - driver.now());
    EXPECT_EQ(driver.Poll(0.99).action, Action::kHeal) << gap.count();
  }
}

TEST(Decide, BackoffResetsAfterAStablePeriod) {
  HealPolicy policy = NoGracePolicy();
  policy.backoff.reset_after = 10min;
  Driver driver(policy);
  Breach(driver);
  driver.Advance(10s);
  Breach(driver);
  driver.Advance(20s);
  ASSERT_EQ(Breach(driver).action, Action::kHeal);
  EXPECT_EQ(driver.state().consecutive_heals, 3);

  // Healthy, but not yet long enough.
  for (int i = 0; i < 9; ++i) {
    driver.Advance(1min);
    driver.Poll(0.1);
  }
  EXPECT_EQ(driver.state().consecutive_heals, 3);
  driver.Advance(1min);
  driver.Poll(0.1);
  EXPECT_EQ(driver.state().consecutive_heals, 0);

  // The next heal starts the sequence from base again.
  const TimePoint healed = driver.now() + 1s;
  ASSERT_EQ(Breach(driver).action, Action::kHeal);
  EXPECT_EQ(driver.state().not_before, healed + 10s);
}

TEST(Decide, TroubleDuringTheStablePeriodKeepsTheBackoff) {
  HealPolicy policy = NoGracePolicy();
  Driver driver(policy);
  Breach(driver);
  for (int i = 0; i < 20; ++i) {
    driver.Advance(1min);
    // One missing reading every five minutes is not "stable".
    if (i % 5 == 4) {
      driver.Poll(std::nullopt);
    } else {
      driver.Poll(0.1);
    }
  }
  EXPECT_EQ(driver.state().consecutive_heals, 1);
}

TEST(Decide, BreakerOpensAfterMaxHealsInWindow) {
  HealPolicy policy = NoGracePolicy();
  policy.breaker.max_heals = 3;
  policy.breaker.window = 1h;
  policy.backoff.base = 1s;
  policy.backoff.max = 1s;
  Driver driver(policy);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Breach(driver).action, Action::kHeal) << i;
    driver.Advance(1min);
  }
  const Decision tripped = Breach(driver);
  EXPECT_EQ(tripped.action, Action::kWouldHeal);
  EXPECT_EQ(tripped.reason, HealReason::kThreshold);
  EXPECT_EQ(tripped.hold, Hold::kBreakerOpen);
  EXPECT_TRUE(tripped.breaker_tripped);
  EXPECT_TRUE(driver.state().breaker_open);

  // Open: it keeps watching and reporting, never heals, even hours later.
  driver.Advance(3h);
  const Decision watching = Breach(driver);
  EXPECT_EQ(watching.action, Action::kWouldHeal);
  EXPECT_EQ(watching.hold, Hold::kBreakerOpen);
  EXPECT_FALSE(watching.breaker_tripped);
}

TEST(Decide, HealsOutsideTheWindowDoNotTripTheBreaker) {
  HealPolicy policy = NoGracePolicy();
  policy.breaker.max_heals = 2;
  policy.breaker.window = 10min;
  Driver driver(policy);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Breach(driver).action, Action::kHeal) << i;
    driver.Advance(6min);
  }
  EXPECT_FALSE(driver.state().breaker_open);
  EXPECT_LE(driver.state().recent_heals.size(), 2u);
}

TEST(ResetBreaker, ResumesHealing) {
  HealPolicy policy = NoGracePolicy();
  policy.breaker.max_heals = 1;
  Driver driver(policy);
  ASSERT_EQ(Breach(driver).action, Action::kHeal);
  driver.Advance(1min);
  ASSERT_TRUE(Breach(driver).breaker_tripped);

  driver.state() = ResetBreaker(driver.state());
  EXPECT_FALSE(driver.state().breaker_open);
  driver.Advance(1s);
  EXPECT_EQ(Breach(driver).action, Action::kHeal);
}

TEST(Decide, DryRunReportsALastingBreachOnce) {
  HealPolicy policy = NoGracePolicy();
  policy.dry_run = true;
  policy.cooldown = 30s;
  Driver driver(policy);
  std::vector<TimePoint> reports;
  const auto poll = [&](double probability) {
    const Decision decision = driver.Poll(probability);
    EXPECT_NE(decision.action, Action::kHeal);
    if (decision.action == Action::kWouldHeal) {
      EXPECT_EQ(decision.hold, Hold::kDryRun);
      EXPECT_EQ(decision.reason, HealReason::kThreshold);
      reports.push_back(driver.now());
    }
    driver.Advance(1s);
  };
  const TimePoint start = driver.now();
  for (int i = 0; i < 120; ++i) poll(0.99);  // Two minutes of breach.
  for (int i = 0; i < 20; ++i) poll(0.1);    // A lull shorter than 30 s...
  for (int i = 0; i < 10; ++i) poll(0.99);   // ...then the same episode.
  for (int i = 0; i < 31; ++i) poll(0.1);    // A full quiet period...
  for (int i = 0; i < 10; ++i) poll(0.99);   // ...then a new episode.

  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0], start + 1s);  // The second breaching poll.
  EXPECT_EQ(reports[1], start + 182s);
  EXPECT_EQ(driver.state().consecutive_heals, 0);
  EXPECT_TRUE(driver.state().recent_heals.empty());
}

TEST(Decide, PausedReportsWouldHeal) {
  Driver driver(NoGracePolicy());
  driver.state().paused = true;
  const Decision decision = Breach(driver);
  EXPECT_EQ(decision.action, Action::kWouldHeal);
  EXPECT_EQ(decision.hold, Hold::kPaused);

  driver.state().paused = false;
  driver.Advance(1s);
  EXPECT_EQ(Breach(driver).action, Action::kHeal);
}

TEST(Decide, RepeatedWouldHealIsQuietButResumeHealsAtOnce) {
  HealPolicy policy = NoGracePolicy();  // Cooldown 0, backoff base 10 s.
  Driver driver(policy);
  driver.state().paused = true;
  ASSERT_EQ(Breach(driver).action, Action::kWouldHeal);
  const TimePoint reported = driver.now();
  driver.Advance(1s);
  const Decision quiet = Breach(driver);
  EXPECT_EQ(quiet.action, Action::kNone);
  EXPECT_EQ(quiet.hold, Hold::kPaused);
  // The breach goes on, and so does the quiet period.
  EXPECT_EQ(quiet.hold_until, reported + 2s + 10s);

  driver.state().paused = false;  // Resumed: the quiet time does not apply.
  EXPECT_EQ(driver.Poll(0.99).action, Action::kHeal);
}

TEST(OnForcedHeal, DoesNotCountTowardBackoffOrBreaker) {
  HealPolicy policy = NoGracePolicy();
  policy.breaker.max_heals = 1;
  Driver driver(policy);
  driver.Poll(0.99);
  for (int i = 0; i < 5; ++i) {
    driver.state() = OnForcedHeal(driver.state(), driver.now());
    driver.state() = OnGenerationBuilt(policy, driver.state(), driver.now());
  }
  EXPECT_EQ(driver.state().above_count, 0);
  EXPECT_EQ(driver.state().consecutive_heals, 0);
  EXPECT_EQ(Breach(driver).action, Action::kHeal);
}

TEST(OnAlert, HealsOutsideGraceAndCountsTowardBackoffAndBreaker) {
  HealPolicy policy = NoGracePolicy();
  policy.grace = 10s;
  policy.cooldown = 5s;
  policy.breaker.max_heals = 2;
  policy.breaker.window = 1h;
  Driver driver(policy);

  const Step early = OnAlert(policy, driver.state(), driver.now() + 1s);
  EXPECT_EQ(early.decision.action, Action::kNone);
  EXPECT_EQ(early.decision.hold, Hold::kGrace);
  EXPECT_EQ(early.decision.reason, HealReason::kAlert);

  driver.Advance(10s);
  Step step = OnAlert(policy, driver.state(), driver.now());
  EXPECT_EQ(step.decision.action, Action::kHeal);
  EXPECT_EQ(step.decision.reason, HealReason::kAlert);
  EXPECT_EQ(step.state.consecutive_heals, 1);
  EXPECT_EQ(step.state.recent_heals.size(), 1u);

  // Straight after: the cooldown (or backoff) holds the next one.
  const Step held = OnAlert(policy, step.state, driver.now() + 1s);
  EXPECT_EQ(held.decision.action, Action::kNone);
  EXPECT_EQ(held.decision.hold, Hold::kBackoff);

  // A second heal, then the third opens the breaker.
  step = OnAlert(policy, step.state, driver.now() + 1min);
  EXPECT_EQ(step.decision.action, Action::kHeal);
  step = OnAlert(policy, step.state, driver.now() + 10min);
  EXPECT_EQ(step.decision.action, Action::kWouldHeal);
  EXPECT_TRUE(step.decision.breaker_tripped);
  EXPECT_TRUE(step.state.breaker_open);
}

TEST(OnAlert, PausedOrDryRunOnlyReports) {
  HealPolicy policy = NoGracePolicy();
  HealState state;
  state.paused = true;
  EXPECT_EQ(OnAlert(policy, state, kStart).decision.hold, Hold::kPaused);
  EXPECT_EQ(OnAlert(policy, state, kStart).decision.action, Action::kWouldHeal);
  state.paused = false;
  policy.dry_run = true;
  EXPECT_EQ(OnAlert(policy, state, kStart).decision.hold, Hold::kDryRun);
}

TEST(Decide, IsPure) {
  HealPolicy policy;
  policy.backoff.jitter = 0.3;
  HealState state;
  state.rng = 7;
  state.above_count = 1;
  state.above_since = kStart;
  const Observation observation{kStart + 2min, true, 0.97};
  const Step a = Decide(policy, state, observation);
  const Step b = Decide(policy, state, observation);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.decision.action, Action::kHeal);
  EXPECT_EQ(a.decision.action, b.decision.action);
  EXPECT_NE(a.state.rng, state.rng);  // The jitter draw moved the generator.
}

TEST(ToString, NamesAreStable) {
  EXPECT_EQ(ToString(HealReason::kThreshold), "threshold");
  EXPECT_EQ(ToString(HealReason::kUnresponsive), "unresponsive");
  EXPECT_EQ(ToString(HealReason::kInvalidReading), "invalid_reading");
  EXPECT_EQ(ToString(HealReason::kStaleReading), "stale_reading");
  EXPECT_EQ(ToString(HealReason::kAlert), "alert");
  EXPECT_EQ(ToString(Action::kWouldHeal), "would_heal");
  EXPECT_EQ(ToString(Hold::kBreakerOpen), "breaker_open");
}

}  // namespace
}  // namespace heimdall::healer
