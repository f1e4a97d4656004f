#include "telemetry/random.h"

#include <gtest/gtest.h>

#include <cmath>

namespace heimdall::telemetry {
namespace {

TEST(Random, SameSeedSameNumbers) {
  Random a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const double x = a.Normal();
    EXPECT_EQ(x, b.Normal());
    differs |= x != c.Normal();
  }
  EXPECT_TRUE(differs);
}

TEST(Random, KnownFirstDrawsPinTheStream) {
  // mt19937_64 is specified exactly; its 10000th output for the default
  // seed is given by the standard. Our Uniform is its top 53 bits.
  std::mt19937_64 engine;
  engine.discard(9999);
  EXPECT_EQ(engine(), 9981545732273789042ULL);
  Random random(5489);  // The standard's default seed.
  EXPECT_DOUBLE_EQ(
      random.Uniform(),
      static_cast<double>(14514284786278117030ULL >> 11) * 0x1.0p-53);
}

TEST(Random, MomentsAreRight) {
  Random random(42);
  constexpr int kDraws = 200000;
  double sum = 0, sum_squares = 0, uniform_sum = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double x = random.Normal();
    sum += x;
    sum_squares += x * x;
    const double u = random.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    uniform_sum += u;
  }
  EXPECT_NEAR(sum / kDraws, 0.0, 0.01);
  EXPECT_NEAR(sum_squares / kDraws, 1.0, 0.01);
  EXPECT_NEAR(uniform_sum / kDraws, 0.5, 0.005);
}

TEST(DeriveSeed, StreamsDiffer) {
  EXPECT_NE(DeriveSeed(1, 0), DeriveSeed(1, 1));
  EXPECT_NE(DeriveSeed(1, 0), DeriveSeed(2, 0));
  EXPECT_EQ(DeriveSeed(3, 4), DeriveSeed(3, 4));
}

}  // namespace
}  // namespace heimdall::telemetry
