#include "model/ocsvm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace heimdall::model {
namespace {

// A model with `count` random support vectors of `features` values.
ModelParams RandomParams(size_t features, size_t count, uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  ModelParams p;
  for (size_t j = 0; j < features; ++j) {
    p.features.push_back("f" + std::to_string(j));
  }
  for (size_t i = 0; i < count * features; ++i) {
    p.support_vectors.push_back(unit(engine) * 4 - 2);
  }
  for (size_t i = 0; i < count; ++i) p.coefficients.push_back(unit(engine));
  p.offset = 0.3;
  p.gamma = 0.7;
  return p;
}

// The decision value computed the plain way, with std::exp.
double ReferenceDecision(const ModelParams& p, const double* x) {
  const size_t f = p.features.size();
  double sum = 0;
  for (size_t i = 0; i < p.coefficients.size(); ++i) {
    double dist = 0;
    for (size_t j = 0; j < f; ++j) {
      double z = x[j];
      if (p.scaler) z = (z - p.scaler->mean[j]) / p.scaler->scale[j];
      const double d = z - p.support_vectors[i * f + j];
      dist += d * d;
    }
    sum += p.coefficients[i] * std::exp(-p.gamma * dist);
  }
  return sum - p.offset;
}

std::vector<double> RandomRows(size_t n, size_t features, double spread) {
  std::mt19937_64 engine(99);
  std::uniform_real_distribution<double> unit(-1, 1);
  std::vector<double> rows(n * features);
  for (double& v : rows) v = unit(engine) * spread;
  return rows;
}

Model MustCreate(ModelParams p) {
  Result<Model> model = Model::Create(std::move(p));
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(model).value();
}

TEST(Model, DecisionMatchesThePlainFormulaForEveryWidth) {
  for (size_t features = 1; features <= 6; ++features) {
    for (size_t count : {1, 7, 8, 9, 30}) {
      const ModelParams p = RandomParams(features, count, features * count);
      const Model model = MustCreate(p);
      const std::vector<double> rows = RandomRows(50, features, 3);
      for (size_t r = 0; r < 50; ++r) {
        const double* x = &rows[r * features];
        EXPECT_NEAR(model.Decision({x, features}), ReferenceDecision(p, x),
                    1e-12)
            << features << " features, " << count << " support vectors";
      }
    }
  }
}

TEST(Model, StandardisationIsAppliedToReadings) {
  ModelParams p = RandomParams(3, 12, 5);
  p.scaler = Scaler{{80, 98.7, 37}, {5.8, 0.43, 0.14}};
  const Model model = MustCreate(p);
  std::vector<double> rows = RandomRows(100, 3, 1);
  for (size_t r = 0; r < 100; ++r) {
    double* x = &rows[r * 3];
    for (size_t j = 0; j < 3; ++j) {
      x[j] = p.scaler->mean[j] + 2 * p.scaler->scale[j] * x[j];
    }
    EXPECT_NEAR(model.Decision({x, 3}), ReferenceDecision(p, x), 1e-12);
  }
}

TEST(Model, BatchAgreesWithSingleReadingsAtEveryBlockBoundary) {
  for (size_t features : {2, 3, 5}) {
    const Model model = MustCreate(RandomParams(features, 27, 3));
    for (size_t n : {0, 1, 63, 64, 65, 129, 1000}) {
      const std::vector<double> rows = RandomRows(n, features, 3);
      std::vector<double> out(n + 1, -123.0);
      model.DecisionBatch(rows.data(), n, out.data());
      for (size_t r = 0; r < n; ++r) {
        EXPECT_NEAR(out[r], model.Decision({&rows[r * features], features}),
                    1e-13);
      }
      EXPECT_EQ(out[n], -123.0) << "wrote past the end for n = " << n;
    }
  }
}

TEST(Model, FarAwayReadingsGiveMinusTheOffsetNotNaN) {
  const Model model = MustCreate(RandomParams(3, 10, 8));
  const double huge = std::numeric_limits<double>::max();
  for (const std::vector<double>& x :
       {std::vector<double>{1e6, 0, 0}, std::vector<double>{huge, -huge, 0},
        std::vector<double>{1e154, 1e154, 1e154}}) {
    EXPECT_NEAR(model.Decision(x), -0.3, 1e-12);
    double out = 0;
    model.DecisionBatch(x.data(), 1, &out);
    EXPECT_NEAR(out, -0.3, 1e-12);
  }
}

TEST(Model, CreateRejectsInconsistentParams) {
  struct Case {
    const char* what;
    void (*mutate)(ModelParams*);
    const char* message;
  };
  const Case cases[] = {
      {"no features", [](ModelParams* p) { p->features.clear(); },
       "no features"},
      {"duplicate feature", [](ModelParams* p) { p->features[1] = "f0"; },
       "'f0' appears twice"},
      {"no support vectors",
       [](ModelParams* p) {
         p->support_vectors.clear();
         p->coefficients.clear();
       },
       "no support vectors"},
      {"short support vectors",
       [](ModelParams* p) { p->support_vectors.pop_back(); },
       "do not make 4 support vectors of 3 features"},
      {"extra coefficient",
       [](ModelParams* p) { p->coefficients.push_back(1); },
       "do not make 5 support vectors"},
      {"NaN support vector",
       [](ModelParams* p) { p->support_vectors[4] = std::nan(""); },
       "support-vector value is not finite"},
      {"infinite coefficient",
       [](ModelParams* p) { p->coefficients[0] = HUGE_VAL; },
       "coefficient is not finite"},
      {"NaN offset", [](ModelParams* p) { p->offset = std::nan(""); },
       "offset nan is not finite"},
      {"zero gamma", [](ModelParams* p) { p->gamma = 0; },
       "gamma 0 is not a positive"},
      {"narrow scaler",
       [](ModelParams* p) {
         p->scaler = Scaler{{0, 0}, {1, 1}};
       },
       "2 means and 2 scales for 3 features"},
      {"zero scale",
       [](ModelParams* p) {
         p->scaler = Scaler{{0, 0, 0}, {1, 0, 1}};
       },
       "scale 0 is not a positive"},
      {"zero probability scale", [](ModelParams* p) { p->mapping_scale = 0; },
       "probability scale 0"},
  };
  for (const Case& c : cases) {
    ModelParams p = RandomParams(3, 4, 1);
    c.mutate(&p);
    Result<Model> model = Model::Create(std::move(p));
    ASSERT_FALSE(model.ok()) << c.what;
    EXPECT_NE(model.error().message().find(c.message), std::string::npos)
        << c.what << ": " << model.error().message();
  }
}

TEST(ClippedLogistic, FollowsTheEarlierContract) {
  EXPECT_DOUBLE_EQ(ClippedLogistic(0), 0.5);
  EXPECT_DOUBLE_EQ(ClippedLogistic(-1), 1 / (1 + std::exp(-1.0)));
  EXPECT_DOUBLE_EQ(ClippedLogistic(0.7), 1 / (1 + std::exp(0.7)));
  EXPECT_DOUBLE_EQ(ClippedLogistic(-2.625713872),
                   1 / (1 + std::exp(-2.625713872)));
  EXPECT_DOUBLE_EQ(ClippedLogistic(-100), kMaxProbability);
  EXPECT_DOUBLE_EQ(ClippedLogistic(100), kMinProbability);
}

TEST(ClippedLogistic, NeverOverflowsOrReturnsNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(ClippedLogistic(1e308), kMinProbability);
  EXPECT_EQ(ClippedLogistic(-1e308), kMaxProbability);
  EXPECT_EQ(ClippedLogistic(inf), kMinProbability);
  EXPECT_EQ(ClippedLogistic(-inf), kMaxProbability);
  EXPECT_EQ(ClippedLogistic(std::nan("")), kMaxProbability);
  EXPECT_DOUBLE_EQ(ClippedLogistic(1, 0.5), 1 / (1 + std::exp(2.0)));
}

TEST(Model, FailureProbabilityUsesTheModelsMapping) {
  ModelParams p = RandomParams(3, 4, 2);
  EXPECT_DOUBLE_EQ(MustCreate(p).FailureProbability(-1.0),
                   ClippedLogistic(-1.0));
  p.mapping = ProbabilityMapping::kScaledLogistic;
  p.mapping_scale = 0.25;
  EXPECT_DOUBLE_EQ(MustCreate(p).FailureProbability(-0.5),
                   ClippedLogistic(-2.0));
}

TEST(ProbabilityMapping, NamesRoundTripAndUnknownNamesAreRefused) {
  for (ProbabilityMapping m :
       {ProbabilityMapping::kLogistic, ProbabilityMapping::kScaledLogistic}) {
    Result<ProbabilityMapping> parsed = ParseMapping(MappingName(m));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, m);
  }
  Result<ProbabilityMapping> bad = ParseMapping("sigmoid");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("'sigmoid'"), std::string::npos);
}

// Two support vectors at (0, 0) and (0, 2), equal weight: the healthy
// reference is their mean (0, 1).
Model TwoPointModel() {
  ModelParams p;
  p.features = {"a", "b"};
  p.support_vectors = {0, 0, 0, 2};
  p.coefficients = {1, 1};
  p.offset = 0.5;
  p.gamma = 0.5;
  return MustCreate(p);
}

TEST(Explain, ReferenceIsTheCoefficientWeightedMeanOfSupportVectors) {
  const Model model = TwoPointModel();
  EXPECT_EQ(model.reference(), (std::vector<double>{0, 1}));
}

TEST(Explain, BlamesTheFeatureThatIsOffAndReportsExactGains) {
  const Model model = TwoPointModel();
  const std::vector<double> x = {5, 1};  // Only `a` is off.
  const std::vector<FeatureContribution> c = model.Explain(x);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].feature, "a");
  EXPECT_EQ(c[0].value, 5);
  EXPECT_EQ(c[0].reference, 0);
  EXPECT_NEAR(c[0].decision_gain,
              model.Decision(std::vector<double>{0, 1}) - model.Decision(x),
              1e-15);
  EXPECT_GT(c[0].decision_gain, 0.5);
  EXPECT_EQ(c[1].feature, "b");
  EXPECT_EQ(c[1].decision_gain, 0);  // Already at its reference.
}

TEST(Explain, ReferenceIsInInputUnitsWithAScaler) {
  ModelParams p;
  p.features = {"a"};
  p.scaler = Scaler{{10}, {2}};
  p.support_vectors = {-1, 1, 3};
  p.coefficients = {1, 1, 2};
  p.gamma = 1;
  const Model model = MustCreate(p);
  // Weighted mean in standardised units: (-1 + 1 + 6) / 4 = 1.5 -> 13.
  EXPECT_DOUBLE_EQ(model.reference()[0], 13);
}

}  // namespace
}  // namespace heimdall::model
