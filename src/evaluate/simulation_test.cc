#include "evaluate/simulation.h"

#include <gtest/gtest.h>

namespace heimdall::evaluate {
namespace {

detect::VitalsScorerFactory Factory(std::string_view parts) {
  Result<detect::VitalsScorerFactory> factory =
      detect::MakeVitalsScorerFactory(parts);
  EXPECT_TRUE(factory.ok()) << factory.error().message();
  return *factory;
}

// The targets for the default scorer under heimdall up's policy:
// oxygen_leak and fever healed before critical in 100 of 100 runs, and no
// false heal in 7 simulated nominal days.
TEST(Simulate, DefaultScorerMeetsTargets) {
  SimulationOptions options;
  options.runs = 100;
  options.faults = {"oxygen_leak", "fever"};
  options.nominal_days = 7;
  Result<SimulationReport> report =
      Simulate(Factory("trend,frozen"), "trend,frozen", options);
  ASSERT_TRUE(report.ok()) << report.error().message();
  ASSERT_EQ(report->faults.size(), 2u);
  for (const FaultRuns& fault : report->faults) {
    EXPECT_EQ(fault.runs, 100) << fault.fault;
    EXPECT_EQ(fault.reached_critical, 100) << fault.fault;
    EXPECT_EQ(fault.healed_before_critical, 100) << fault.fault;
    EXPECT_EQ(fault.false_heals, 0) << fault.fault;
    ASSERT_EQ(fault.lead_seconds.size(), 100u);
    EXPECT_GT(*Median(fault.lead_seconds), 5 * 60) << fault.fault;
  }
  EXPECT_EQ(report->nominal_heals, 0);
}

TEST(Simulate, EveryFaultKindIsHealed) {
  SimulationOptions options;
  options.runs = 5;
  options.nominal_days = 0;
  Result<SimulationReport> report =
      Simulate(Factory("trend,frozen"), "trend,frozen", options);
  ASSERT_TRUE(report.ok()) << report.error().message();
  ASSERT_EQ(report->faults.size(), 6u);
  for (const FaultRuns& fault : report->faults) {
    EXPECT_EQ(fault.healed, 5) << fault.fault;
  }
}

// The earlier model alone heals healthy astronauts: exertion takes heart
// rate outside its 70-90 training range.
TEST(Simulate, EarlierModelRaisesFalseHealsOnNominalStreams) {
  SimulationOptions options;
  options.runs = 0;
  options.nominal_days = 0.25;
  Result<SimulationReport> report =
      Simulate(Factory("model"), "model", options);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_GT(report->nominal_heals, 0);
}

TEST(Simulate, RejectsUnknownFaultAndBadOptions) {
  SimulationOptions options;
  options.runs = 1;
  options.faults = {"meteor"};
  EXPECT_FALSE(Simulate(Factory("trend"), "trend", options).ok());
  SimulationOptions negative;
  negative.runs = -1;
  EXPECT_FALSE(Simulate(Factory("trend"), "trend", negative).ok());
  SimulationOptions policy;
  policy.policy.threshold = 1.5;
  EXPECT_FALSE(Simulate(Factory("trend"), "trend", policy).ok());
}

TEST(Median, OfOddEvenAndEmpty) {
  EXPECT_EQ(Median({3, 1, 2}), 2.0);
  EXPECT_EQ(Median({4, 1, 2, 3}), 2.5);
  EXPECT_FALSE(Median({}).has_value());
}

}  // namespace
}  // namespace heimdall::evaluate
