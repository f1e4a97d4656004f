#include "telemetry/sample.h"

#include <gtest/gtest.h>

namespace heimdall::telemetry {
namespace {

TEST(FaultKind, NamesRoundTrip) {
  for (FaultKind kind :
       {FaultKind::kNone, FaultKind::kAcute, FaultKind::kOxygenLeak,
        FaultKind::kFever, FaultKind::kSensorStuck, FaultKind::kSensorDropout,
        FaultKind::kCrash}) {
    EXPECT_EQ(ParseFaultKind(FaultKindName(kind)), kind);
  }
  EXPECT_EQ(FaultKindName(FaultKind::kOxygenLeak), "oxygen_leak");
  EXPECT_FALSE(ParseFaultKind("meteor").has_value());
}

TEST(Sample, GetByNameAndMissing) {
  Sample sample;
  sample.schema =
      std::make_shared<Schema>(Schema{"a1", {"heart_rate", "oxygen_level"}});
  sample.values[0] = 72;
  sample.values[1] = kMissing;
  EXPECT_EQ(sample.size(), 2u);
  EXPECT_EQ(sample.Get("heart_rate"), 72);
  EXPECT_FALSE(sample.Get("oxygen_level").has_value());
  EXPECT_FALSE(sample.Get("temperature").has_value());
  EXPECT_TRUE(IsMissing(sample.values[1]));
}

TEST(Sample, TimestampIsHeldInline) {
  const Timestamp stamp("2013-12-02T21:15:00.250Z");
  EXPECT_EQ(stamp.view(), "2013-12-02T21:15:00.250Z");
  const std::string longer(40, 'x');
  EXPECT_EQ(Timestamp(longer).view().size(), Timestamp::kCapacity);
}

TEST(IsCritical, Thresholds) {
  EXPECT_FALSE(IsCritical(80, 98, 37));
  EXPECT_FALSE(IsCritical(180, 85, 40));  // The bounds themselves are not.
  EXPECT_TRUE(IsCritical(80, 84.9, 37));
  EXPECT_TRUE(IsCritical(180.1, 98, 37));
  EXPECT_TRUE(IsCritical(39.9, 98, 37));
  EXPECT_TRUE(IsCritical(80, 98, 40.1));
  EXPECT_FALSE(IsCritical(kMissing, kMissing, kMissing));
}

}  // namespace
}  // namespace heimdall::telemetry
