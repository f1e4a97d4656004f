#include "detect/detector.h"

#include <gtest/gtest.h>

#include <cmath>

#include "detect/gaussian_detector.h"

namespace heimdall::detect {
namespace {

TEST(DetectorKinds, NoveltyIsTheDefaultAndEveryKindBuildsWithDefaults) {
  ASSERT_FALSE(DetectorKinds().empty());
  EXPECT_EQ(DetectorKinds().front().name, "novelty");
  for (const DetectorKind& kind : DetectorKinds()) {
    Result<DetectorFactory> factory = DetectorFactory::Create(kind.name);
    ASSERT_TRUE(factory.ok()) << kind.name << ": " << factory.error().message();
    EXPECT_NE(factory->Make(), nullptr);
    EXPECT_EQ(factory->params().size(), kind.params.size());
  }
}

TEST(DetectorFactory, AppliesOverridesAndDescribesThem) {
  Result<DetectorFactory> factory =
      DetectorFactory::Create("gaussian", {{"window", 50}});
  ASSERT_TRUE(factory.ok()) << factory.error().message();
  EXPECT_DOUBLE_EQ(factory->params().at("window"), 50);
  EXPECT_EQ(factory->Describe(), "gaussian(warmup=100, window=50)");
}

TEST(DetectorFactory, RejectsUnknownKindParameterAndBadValue) {
  Result<DetectorFactory> kind = DetectorFactory::Create("oracle");
  ASSERT_FALSE(kind.ok());
  EXPECT_NE(kind.error().message().find("oracle"), std::string::npos);
  Result<DetectorFactory> param =
      DetectorFactory::Create("novelty", {{"wramup", 3}});
  ASSERT_FALSE(param.ok());
  EXPECT_NE(param.error().message().find("wramup"), std::string::npos);
  EXPECT_FALSE(DetectorFactory::Create("novelty", {{"warmup", -3}}).ok());
}

TEST(ParseDetectorParam, ReadsNameEqualsNumber) {
  DetectorParams params;
  ASSERT_TRUE(ParseDetectorParam("warmup=300", &params).ok());
  EXPECT_DOUBLE_EQ(params.at("warmup"), 300);
  EXPECT_FALSE(ParseDetectorParam("warmup", &params).ok());
  EXPECT_FALSE(ParseDetectorParam("=3", &params).ok());
  EXPECT_FALSE(ParseDetectorParam("warmup=lots", &params).ok());
}

TEST(GaussianDetector, ScoresTailOfDeviation) {
  GaussianDetector detector({.window = 1000, .warmup = 4});
  for (double v : {-1.0, 1.0, -1.0, 1.0}) EXPECT_EQ(detector.Push(0, v), 0.0);
  // Mean 0, deviation 1: a reading 2 away is erf(2 / sqrt 2) = 0.9545.
  EXPECT_NEAR(detector.Push(0, 2.0), 0.954499736, 1e-9);
  // Now mean 0.4 and deviation 1.2 (the 2 is in the window).
  EXPECT_NEAR(detector.Push(0, 0.0), std::erf(0.4 / 1.2 / std::sqrt(2.0)),
              1e-12);
}

}  // namespace
}  // namespace heimdall::detect
