#include "telemetry/simulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace heimdall::telemetry {
namespace {

SimulatorOptions Options(uint64_t seed, double rate = 1.0) {
  SimulatorOptions options;
  options.seed = seed;
  options.rate = rate;
  return options;
}

std::unique_ptr<Simulator> MakeSimulator(uint64_t seed, double rate = 1.0) {
  return Simulator::Create(Options(seed, rate)).value();
}

Sample NextSample(Simulator& simulator) {
  Result<std::optional<Sample>> next = simulator.Next();
  EXPECT_TRUE(next.ok()) << next.error().message();
  return **next;
}

// Runs `simulator` until its truth turns critical or `limit` seconds pass;
// returns the time of the first critical sample, if any.
std::optional<double> RunUntilCritical(Simulator& simulator, double limit) {
  while (simulator.next_time() <= limit) {
    const Sample sample = NextSample(simulator);
    if (sample.truth->critical) return sample.time;
  }
  return std::nullopt;
}

void ExpectSameStream(Simulator& a, Simulator& b, int samples) {
  for (int i = 0; i < samples; ++i) {
    const Sample x = NextSample(a), y = NextSample(b);
    ASSERT_EQ(x.time, y.time);
    ASSERT_EQ(x.timestamp.view(), y.timestamp.view());
    for (size_t v = 0; v < x.size(); ++v) {
      // Bitwise equality; both may be missing (NaN).
      ASSERT_TRUE(x.values[v] == y.values[v] ||
                  (IsMissing(x.values[v]) && IsMissing(y.values[v])))
          << "sample " << i << " value " << v;
    }
    ASSERT_EQ(x.truth->critical, y.truth->critical);
  }
}

TEST(Simulator, SameSeedSameStream) {
  auto a = MakeSimulator(7), b = MakeSimulator(7);
  ExpectSameStream(*a, *b, 5000);
}

TEST(Simulator, SameSeedSameStreamWithFaults) {
  auto a = MakeSimulator(11), b = MakeSimulator(11);
  ExpectSameStream(*a, *b, 100);
  for (Simulator* s : {a.get(), b.get()}) {
    s->Inject(MakeFaultSpec("acute").value());
  }
  ExpectSameStream(*a, *b, 50);
  for (Simulator* s : {a.get(), b.get()}) {
    s->Inject(MakeFaultSpec("sensor_dropout", {{"probability", 0.5}}).value());
  }
  ExpectSameStream(*a, *b, 50);
}

TEST(Simulator, StreamIsPinned) {
  // Seed 2024 one simulated hour in. The generator and distributions are
  // our own, so these hold on every standard library; update them only
  // when the model is changed on purpose (evaluation results move too).
  auto simulator = MakeSimulator(2024);
  Sample sample;
  for (int i = 0; i <= 3600; ++i) sample = NextSample(*simulator);
  EXPECT_NEAR(sample.values[0], 98.177895721392645, 1e-9);
  EXPECT_NEAR(sample.values[1], 98.615377178053777, 1e-9);
  EXPECT_NEAR(sample.values[2], 36.955055991812316, 1e-9);
  EXPECT_NEAR(sample.values[3], 20.213925033794368, 1e-9);
}

TEST(Simulator, DifferentSeedsDiffer) {
  auto a = MakeSimulator(1), b = MakeSimulator(2);
  int equal = 0;
  for (int i = 0; i < 100; ++i) {
    equal += NextSample(*a).values[0] == NextSample(*b).values[0];
  }
  EXPECT_EQ(equal, 0);
}

TEST(Simulator, TimeAdvancesByOneOverRate) {
  auto simulator = MakeSimulator(1, 4.0);
  EXPECT_EQ(NextSample(*simulator).time, 0.0);
  EXPECT_EQ(NextSample(*simulator).time, 0.25);
  const Sample third = NextSample(*simulator);
  EXPECT_EQ(third.time, 0.5);
  EXPECT_EQ(third.timestamp.view(), "2025-01-01T00:00:00.500Z");
  EXPECT_EQ(third.schema->subject, "astronaut-1");
  EXPECT_EQ(third.schema->names,
            (std::vector<std::string>{"heart_rate", "oxygen_level",
                                      "temperature", "respiration_rate"}));
}

TEST(Simulator, RejectsBadRate) {
  for (double rate : {0.0, -1.0, std::nan("")}) {
    EXPECT_FALSE(Simulator::Create(Options(1, rate)).ok()) << rate;
  }
}

TEST(Simulator, AcuteStaysInTheEarlierRanges) {
  auto simulator = MakeSimulator(3);
  for (int i = 0; i < 10; ++i) (void)NextSample(*simulator);
  simulator->Inject(MakeFaultSpec("acute").value());
  for (int i = 0; i < 1000; ++i) {
    const Sample s = NextSample(*simulator);
    ASSERT_GE(s.values[0], 130);
    ASSERT_LE(s.values[0], 160);
    ASSERT_GE(s.values[1], 85);
    ASSERT_LE(s.values[1], 92);
    ASSERT_GE(s.values[2], 38);
    ASSERT_LE(s.values[2], 40);
    ASSERT_EQ(s.truth->fault, FaultKind::kAcute);
  }
}

TEST(Simulator, OxygenLeakTurnsCriticalWhenItsRateImplies) {
  // SpO2 falls `rate` points a minute from the astronaut's resting level:
  // critical (< 85) after (resting - 85) / rate minutes. The nominal level
  // wanders around the resting one (drift sd 0.2 points, exertion up to
  // -0.6), so the tolerance is 0.6 points' worth of time plus one step.
  for (double rate : {0.5, 2.0, 5.0}) {
    for (uint64_t seed : {1, 2, 3}) {
      SCOPED_TRACE(::testing::Message() << "rate " << rate << " seed " << seed);
      auto simulator = MakeSimulator(seed);
      for (int i = 0; i < 600; ++i) (void)NextSample(*simulator);
      const double resting = simulator->physiology().baseline().oxygen_level;
      simulator->Inject(MakeFaultSpec("oxygen_leak", {{"rate", rate}}).value());
      const double start = simulator->fault().start;

      const std::optional<double> critical =
          RunUntilCritical(*simulator, start + 3 * 3600);
      ASSERT_TRUE(critical.has_value());
      const double implied = (resting - 85.0) / rate * 60;
      const double tolerance = 0.6 / rate * 60 + 1;  // 0.6 points + 1 step.
      EXPECT_NEAR(*critical - start, implied, tolerance);
      EXPECT_EQ(simulator->fault().first_critical, critical);
    }
  }
}

TEST(Simulator, OxygenLeakRaisesHeartRateBeforeCritical) {
  auto simulator = MakeSimulator(5);
  for (int i = 0; i < 60; ++i) (void)NextSample(*simulator);
  const Vitals resting = simulator->physiology().baseline();
  simulator->Inject(MakeFaultSpec("oxygen_leak", {{"rate", 1.0}}).value());
  // Ten minutes in: 10 points lost, not yet critical, heart rate +20.
  Sample sample;
  for (int i = 0; i <= 600; ++i) sample = NextSample(*simulator);
  EXPECT_FALSE(sample.truth->critical);
  EXPECT_NEAR(sample.values[1], resting.oxygen_level - 10, 1.0);
  EXPECT_GT(sample.values[0], resting.heart_rate + 12);
}

TEST(Simulator, FeverTurnsCriticalWhenItsRateImplies) {
  for (double rate : {0.1, 0.5}) {
    SCOPED_TRACE(rate);
    auto simulator = MakeSimulator(8);
    for (int i = 0; i < 300; ++i) (void)NextSample(*simulator);
    const double resting = simulator->physiology().baseline().temperature;
    simulator->Inject(MakeFaultSpec("fever", {{"rate", rate}}).value());
    const double start = simulator->fault().start;
    const std::optional<double> critical =
        RunUntilCritical(*simulator, start + 3 * 3600);
    ASSERT_TRUE(critical.has_value());
    const double implied = (40.0 - resting) / rate * 60;
    // Temperature drift: sd 0.06 deg C, so 0.2 deg C is over 3 sd.
    EXPECT_NEAR(*critical - start, implied, 0.2 / rate * 60 + 1);
  }
}

TEST(Simulator, FeverBelowFortyNeverTurnsCritical) {
  auto simulator = MakeSimulator(8);
  simulator->Inject(
      MakeFaultSpec("fever", {{"rate", 1.0}, {"peak", 39.5}}).value());
  EXPECT_FALSE(RunUntilCritical(*simulator, 3600).has_value());
  EXPECT_NEAR(simulator->physiology().truth().temperature, 37, 0.5);
  const Sample sample = NextSample(*simulator);
  EXPECT_NEAR(sample.values[2], 39.5, 0.1);  // The plateau.
  EXPECT_FALSE(simulator->fault().first_critical.has_value());
}

TEST(Simulator, SensorStuckFreezesTheReading) {
  auto simulator = MakeSimulator(4);
  for (int i = 0; i < 30; ++i) (void)NextSample(*simulator);
  simulator->Inject(
      MakeFaultSpec("sensor_stuck", {{"channel", std::string("heart_rate")}})
          .value());
  const Sample first = NextSample(*simulator);
  bool others_move = false;
  for (int i = 0; i < 100; ++i) {
    const Sample s = NextSample(*simulator);
    ASSERT_EQ(s.values[0], first.values[0]);
    others_move |= s.values[1] != first.values[1];
  }
  EXPECT_TRUE(others_move);
}

TEST(Simulator, SensorStuckAllFreezesEverything) {
  auto simulator = MakeSimulator(4);
  simulator->Inject(MakeFaultSpec("sensor_stuck").value());
  const Sample first = NextSample(*simulator);
  const Sample later = NextSample(*simulator);
  for (size_t v = 0; v < first.size(); ++v) {
    EXPECT_EQ(first.values[v], later.values[v]);
  }
}

TEST(Simulator, SensorDropoutMakesReadingsMissing) {
  auto simulator = MakeSimulator(6);
  simulator->Inject(MakeFaultSpec("sensor_dropout").value());
  for (int i = 0; i < 20; ++i) {
    const Sample s = NextSample(*simulator);
    for (size_t v = 0; v < s.size(); ++v) ASSERT_TRUE(IsMissing(s.values[v]));
    ASSERT_FALSE(s.truth->critical);  // The astronaut is fine.
  }

  simulator->Inject(
      MakeFaultSpec("sensor_dropout", {{"channel", std::string("oxygen_level")},
                                       {"probability", 0.5}})
          .value());
  int missing = 0;
  for (int i = 0; i < 1000; ++i) {
    const Sample s = NextSample(*simulator);
    ASSERT_FALSE(IsMissing(s.values[0]));
    missing += IsMissing(s.values[1]);
  }
  EXPECT_NEAR(missing, 500, 60);
}

TEST(Simulator, CrashFailsUntilCleared) {
  auto simulator = MakeSimulator(2);
  (void)NextSample(*simulator);
  simulator->Inject(MakeFaultSpec("crash").value());
  for (int i = 0; i < 3; ++i) {
    const Result<std::optional<Sample>> next = simulator->Next();
    ASSERT_FALSE(next.ok());
    EXPECT_NE(next.error().message().find("crash"), std::string::npos);
  }
  const FaultStatus cleared = simulator->Clear();
  EXPECT_EQ(cleared.spec.kind, FaultKind::kCrash);
  EXPECT_FALSE(cleared.active);
  const Sample after = NextSample(*simulator);
  EXPECT_EQ(after.time, 4.0);  // Time moved on during the crash.
  EXPECT_EQ(after.truth->fault, FaultKind::kNone);
}

TEST(Simulator, ClearReturnsToNominal) {
  auto simulator = MakeSimulator(2);
  simulator->Inject(MakeFaultSpec("acute").value());
  EXPECT_GE(NextSample(*simulator).values[0], 130);
  (void)simulator->Clear();
  const Sample s = NextSample(*simulator);
  EXPECT_LT(s.values[0], 100);
  EXPECT_EQ(s.truth->fault, FaultKind::kNone);
}

}  // namespace
}  // namespace heimdall::telemetry
