#include "model/fast_exp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace heimdall::model::internal {
namespace {

double RelativeError(double a) {
  const double expected = std::exp(-a);
  return std::fabs(ExpOfNegative(a) - expected) / expected;
}

TEST(ExpOfNegative, MatchesStdExpOnAGrid) {
  double worst = 0;
  for (double a = 0; a <= kMaxNegativeExponent; a += 1.0 / 1024) {
    worst = std::max(worst, RelativeError(a));
  }
  EXPECT_LT(worst, 1e-14);
}

TEST(ExpOfNegative, MatchesStdExpOnRandomArguments) {
  std::mt19937_64 engine(1);
  std::uniform_real_distribution<double> unit(0, 1);
  double worst = 0;
  for (int i = 0; i < 1000000; ++i) {
    // Half spread over the whole range, half where kernels usually land.
    const double a =
        i % 2 ? unit(engine) * kMaxNegativeExponent : unit(engine) * 4;
    worst = std::max(worst, RelativeError(a));
  }
  EXPECT_LT(worst, 1e-14);
}

TEST(ExpOfNegative, IsExactAtZeroAndNearlyExactForTinyArguments) {
  EXPECT_EQ(ExpOfNegative(0.0), 1.0);
  EXPECT_EQ(ExpOfNegative(std::numeric_limits<double>::denorm_min()), 1.0);
  EXPECT_LT(RelativeError(1e-300), 1e-15);
  EXPECT_LT(RelativeError(1e-9), 1e-15);
}

TEST(ExpOfNegative, ClampsHugeArgumentsToATinyNormalNumber) {
  const double floor = std::exp(-kMaxNegativeExponent);
  for (double a :
       {708.0, 708.5, 745.2, 1e6, 1e300, std::numeric_limits<double>::max(),
        std::numeric_limits<double>::infinity()}) {
    const double e = ExpOfNegative(a);
    EXPECT_TRUE(std::isnormal(e)) << a;
    EXPECT_NEAR(e, floor, floor * 1e-13) << a;
  }
}

}  // namespace
}  // namespace heimdall::model::internal
