#include "telemetry/faults.h"

#include <gtest/gtest.h>

namespace heimdall::telemetry {
namespace {

std::string ErrorOf(std::string_view kind, const FaultParams& params) {
  const Result<FaultSpec> spec = MakeFaultSpec(kind, params);
  return spec.ok() ? "" : spec.error().message();
}

TEST(MakeFaultSpec, DefaultsPerKind) {
  const FaultSpec leak = MakeFaultSpec("oxygen_leak").value();
  EXPECT_EQ(leak.kind, FaultKind::kOxygenLeak);
  EXPECT_EQ(leak.rate, 0.5);
  EXPECT_EQ(leak.floor, 60);
  const FaultSpec fever = MakeFaultSpec("fever").value();
  EXPECT_EQ(fever.rate, 0.1);
  EXPECT_EQ(fever.peak, 41);
  EXPECT_EQ(MakeFaultSpec("sensor_dropout").value().probability, 1);
  EXPECT_EQ(MakeFaultSpec("sensor_stuck").value().channel, "all");
  EXPECT_EQ(MakeFaultSpec("crash").value().hang_seconds, 30);
}

TEST(MakeFaultSpec, ParamsOverrideDefaults) {
  const FaultSpec leak =
      MakeFaultSpec("oxygen_leak", {{"rate", 2.5}, {"floor", 70.0}}).value();
  EXPECT_EQ(leak.rate, 2.5);
  EXPECT_EQ(leak.floor, 70);
  EXPECT_EQ(ParamsOf(leak), (FaultParams{{"rate", 2.5}, {"floor", 70.0}}));
}

TEST(MakeFaultSpec, BadInputIsNamed) {
  EXPECT_NE(ErrorOf("meteor", {}).find("unknown fault kind 'meteor'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("none", {}).find("unknown fault kind"), std::string::npos);
  EXPECT_NE(ErrorOf("fever", {{"rat", 1.0}}).find("unknown parameter 'rat'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("acute", {{"rate", 1.0}}).find("known: none"),
            std::string::npos);
  EXPECT_NE(ErrorOf("oxygen_leak", {{"rate", -1.0}}).find("rate must be in"),
            std::string::npos);
  EXPECT_NE(ErrorOf("oxygen_leak", {{"rate", 0.0}}).find("(got 0)"),
            std::string::npos);
  EXPECT_NE(ErrorOf("oxygen_leak", {{"rate", std::string("fast")}})
                .find("rate must be a number"),
            std::string::npos);
  EXPECT_NE(ErrorOf("oxygen_leak", {{"floor", 85.0}}).find("floor"),
            std::string::npos);
  EXPECT_NE(ErrorOf("sensor_stuck", {{"channel", std::string("pulse")}})
                .find("channel 'pulse' is not one of"),
            std::string::npos);
  EXPECT_NE(ErrorOf("sensor_stuck", {{"channel", 3.0}})
                .find("channel must be a string"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("sensor_dropout", {{"probability", 1.5}}).find("probability"),
      std::string::npos);
  EXPECT_NE(ErrorOf("fever", {{"rate", 1.0 / 0.0}}).find("rate"),
            std::string::npos);
}

TEST(FaultShape, OxygenLeakFollowsItsFormula) {
  FaultShape shape(MakeFaultSpec("oxygen_leak", {{"rate", 1.0}}).value(), 100.0,
                   1);
  Vitals truth{80, 98, 37, 14};
  shape.ShapeTruth(100.0 + 300, &truth);  // Five minutes: 5 points.
  EXPECT_DOUBLE_EQ(truth.oxygen_level, 93);
  EXPECT_DOUBLE_EQ(truth.heart_rate, 90);
  EXPECT_DOUBLE_EQ(truth.respiration_rate, 17);

  Vitals late{80, 98, 37, 14};
  shape.ShapeTruth(100.0 + 3600, &late);  // Would be 38 %: held at floor.
  EXPECT_DOUBLE_EQ(late.oxygen_level, 60);
}

TEST(FaultShape, FeverFollowsItsFormula) {
  FaultShape shape(MakeFaultSpec("fever", {{"rate", 0.2}}).value(), 0.0, 1);
  Vitals truth{80, 98, 37, 14};
  shape.ShapeTruth(600, &truth);  // Ten minutes: +2 deg C.
  EXPECT_DOUBLE_EQ(truth.temperature, 39);
  EXPECT_DOUBLE_EQ(truth.heart_rate, 100);
  Vitals late{80, 98, 37, 14};
  shape.ShapeTruth(6000, &late);
  EXPECT_DOUBLE_EQ(late.temperature, 41);  // The peak.
}

}  // namespace
}  // namespace heimdall::telemetry
