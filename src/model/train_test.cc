#include "model/train.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace heimdall::model {
namespace {

const std::string kPeer = std::string(HEIMDALL_SHARED_DIR) + "/peer/";
const std::vector<std::string> kVitals = {"heart_rate", "oxygen_level",
                                          "temperature"};

NumericTable MustRead(const std::string& path,
                      const std::vector<std::string>& columns) {
  Result<NumericTable> table = ReadNumericTable(path, columns);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return table.ok() ? std::move(table).value() : NumericTable{};
}

Model MustTrain(const NumericTable& data, const TrainOptions& options) {
  Result<Model> model = Train(data, options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(model).value();
}

std::string TrainError(const NumericTable& data, const TrainOptions& options) {
  Result<Model> model = Train(data, options);
  return model.ok() ? "trained" : model.error().message();
}

TEST(Train, MatchesScikitLearnOnEveryPeerProbe) {
  const Model model =
      MustTrain(MustRead(kPeer + "peer_train.csv", kVitals), TrainOptions{});
  std::vector<std::string> columns = kVitals;
  columns.push_back("decision");
  const NumericTable probes =
      MustRead(kPeer + "peer_probe_scores.csv", columns);
  ASSERT_EQ(probes.rows(), 2000u);

  std::vector<double> rows;
  for (size_t i = 0; i < probes.rows(); ++i) {
    rows.insert(rows.end(), probes.row(i), probes.row(i) + 3);
  }
  std::vector<double> batch(probes.rows());
  model.DecisionBatch(rows.data(), probes.rows(), batch.data());
  double worst = 0;
  for (size_t i = 0; i < probes.rows(); ++i) {
    const double expected = probes.row(i)[3];
    const double single = model.Decision({&rows[i * 3], 3});
    ASSERT_NEAR(single, expected, 1e-6) << "probe " << i + 1;
    ASSERT_NEAR(batch[i], expected, 1e-6) << "probe " << i + 1;
    worst = std::max(worst, std::fabs(single - expected));
  }
  RecordProperty("worst_abs_error", std::to_string(worst));
}

TEST(Train, DefaultsAreTheEarlierModel) {
  const Model model = MustTrain(BuiltinHealthySet(), TrainOptions{});
  EXPECT_EQ(model.features(), kVitals);
  EXPECT_DOUBLE_EQ(model.params().gamma, 1.0 / 3);
  EXPECT_FALSE(model.params().scaler.has_value());
  EXPECT_EQ(model.params().mapping, ProbabilityMapping::kLogistic);
  // libsvm's one-class coefficients are in [0, 1] and sum to nu * rows.
  double sum = 0;
  for (double c : model.params().coefficients) {
    EXPECT_GE(c, 0);
    EXPECT_LE(c, 1);
    sum += c;
  }
  EXPECT_NEAR(sum, 0.05 * 500, 1e-9);
  EXPECT_GE(model.num_support_vectors(), 25u);
}

TEST(Train, RecordsATrainingSummary) {
  TrainOptions options;
  options.source = "peer_train.csv";
  const Model model = MustTrain(BuiltinHealthySet(), options);
  const TrainingSummary& s = model.summary();
  EXPECT_EQ(s.rows, 500u);
  EXPECT_EQ(s.source, "peer_train.csv");
  EXPECT_EQ(s.gamma_rule, "auto");
  EXPECT_EQ(s.nu, 0.05);
  EXPECT_EQ(s.trained_at.size(), 20u) << s.trained_at;
  EXPECT_EQ(s.trained_at.back(), 'Z');
  EXPECT_LT(s.decision_min, 0);
  EXPECT_LE(s.decision_min, s.decision_mean);
  EXPECT_LE(s.decision_mean, s.decision_max);
  EXPECT_GT(s.decision_stddev, 0);
  // nu bounds the share of training outliers from above (up to the
  // solver's tolerance, so allow a little).
  EXPECT_GT(s.outlier_fraction, 0);
  EXPECT_LE(s.outlier_fraction, 0.06);
}

TEST(Train, GammaScaleIsOneOverFeaturesTimesTheVarianceOfAllValues) {
  NumericTable data;
  data.columns = {"a", "b"};
  data.values = {0, 1, 2, 3, 4, 5, 6, 7};  // Mean 3.5, variance 5.25.
  TrainOptions options;
  options.gamma.kind = GammaRule::Kind::kScale;
  const Model model = MustTrain(data, options);
  EXPECT_DOUBLE_EQ(model.params().gamma, 1 / (2 * 5.25));
  EXPECT_EQ(model.summary().gamma_rule, "scale");
}

TEST(Train, GammaValueIsUsedAsGiven) {
  TrainOptions options;
  options.gamma = {GammaRule::Kind::kValue, 0.125};
  EXPECT_EQ(MustTrain(BuiltinHealthySet(50), options).params().gamma, 0.125);
}

TEST(Train, StandardisingEqualsTrainingOnStandardisedData) {
  const NumericTable raw = BuiltinHealthySet(200, 3);
  TrainOptions options;
  options.standardize = true;
  const Model scaled = MustTrain(raw, options);
  ASSERT_TRUE(scaled.params().scaler.has_value());
  const Scaler& scaler = *scaled.params().scaler;

  NumericTable z = raw;
  for (size_t k = 0; k < z.values.size(); ++k) {
    z.values[k] = (z.values[k] - scaler.mean[k % 3]) / scaler.scale[k % 3];
  }
  const Model plain = MustTrain(z, TrainOptions{});
  EXPECT_NEAR(scaled.params().offset, plain.params().offset, 1e-12);
  for (size_t i = 0; i < raw.rows(); ++i) {
    EXPECT_NEAR(scaled.Decision({raw.row(i), 3}), plain.Decision({z.row(i), 3}),
                1e-9);
  }
  EXPECT_NEAR(scaler.mean[0], 80, 2);
  EXPECT_NEAR(scaler.scale[0], 20 / std::sqrt(12.0), 0.6);
}

TEST(Train, ScaledLogisticTakesItsScaleFromTrainingDecisions) {
  TrainOptions options;
  options.mapping = ProbabilityMapping::kScaledLogistic;
  const Model model = MustTrain(BuiltinHealthySet(), options);
  EXPECT_EQ(model.params().mapping_scale, model.summary().decision_stddev);
}

TEST(Train, RefusesDegenerateRequests) {
  const NumericTable good = BuiltinHealthySet(20);
  TrainOptions options;
  options.nu = 0;
  EXPECT_EQ(TrainError(good, options), "nu must be in (0, 1], got 0");
  options.nu = 1.5;
  EXPECT_EQ(TrainError(good, options), "nu must be in (0, 1], got 1.5");
  options.nu = std::nan("");
  EXPECT_EQ(TrainError(good, options), "nu must be in (0, 1], got nan");
  options.nu = 0.999;
  EXPECT_EQ(TrainError(good, options), "trained");
  // nu = 1 puts every coefficient at its bound; libsvm's offset is then
  // infinite, and such a model must not be returned.
  options.nu = 1;
  EXPECT_EQ(TrainError(good, options),
            "the fit is degenerate: offset inf is not finite (nu = 1 leaves "
            "no support vector inside its bounds; use a smaller nu)");

  options = {};
  options.gamma = {GammaRule::Kind::kValue, -1};
  EXPECT_EQ(TrainError(good, options),
            "gamma must be a positive finite number, got -1");
  options.gamma = {GammaRule::Kind::kValue, HUGE_VAL};
  EXPECT_EQ(TrainError(good, options),
            "gamma must be a positive finite number, got inf");
}

TEST(Train, RefusesDegenerateData) {
  EXPECT_EQ(TrainError(BuiltinHealthySet(1), {}),
            "need at least 2 training rows, got 1");
  EXPECT_EQ(TrainError(BuiltinHealthySet(0), {}),
            "need at least 2 training rows, got 0");
  EXPECT_EQ(TrainError(NumericTable{}, {}), "no feature columns to train on");

  NumericTable bad = BuiltinHealthySet(5);
  bad.values[4] = std::nan("");
  EXPECT_EQ(TrainError(bad, {}), "row 2 column 'oxygen_level' is not finite");

  NumericTable constant = BuiltinHealthySet(5);
  for (size_t i = 0; i < 5; ++i) constant.values[i * 3 + 2] = 37;
  TrainOptions options;
  EXPECT_EQ(TrainError(constant, options), "trained");
  options.standardize = true;
  EXPECT_EQ(TrainError(constant, options),
            "feature 'temperature' is constant (every row is 37); it cannot "
            "be standardised");

  NumericTable flat;
  flat.columns = {"a"};
  flat.values = {2, 2, 2};
  options = {};
  options.gamma.kind = GammaRule::Kind::kScale;
  EXPECT_EQ(TrainError(flat, options),
            "gamma 'scale' needs training values that vary (variance 0)");
}

TEST(ParseGammaRule, AcceptsTheThreeFormsAndNothingElse) {
  EXPECT_EQ(ParseGammaRule("auto")->kind, GammaRule::Kind::kAuto);
  EXPECT_EQ(ParseGammaRule("scale")->kind, GammaRule::Kind::kScale);
  Result<GammaRule> number = ParseGammaRule("0.25");
  ASSERT_TRUE(number.ok());
  EXPECT_EQ(number->kind, GammaRule::Kind::kValue);
  EXPECT_EQ(number->value, 0.25);
  for (const char* bad : {"", "0", "-1", "nan", "inf", "1e999", "Auto", "x"}) {
    Result<GammaRule> rule = ParseGammaRule(bad);
    ASSERT_FALSE(rule.ok()) << bad;
    EXPECT_NE(rule.error().message().find("auto, scale or a positive"),
              std::string::npos);
  }
}

TEST(BuiltinHealthySet, IsDeterministicAndInsideTheHealthyRanges) {
  const NumericTable a = BuiltinHealthySet();
  EXPECT_EQ(a.columns, kVitals);
  ASSERT_EQ(a.rows(), 500u);
  EXPECT_EQ(a.values, BuiltinHealthySet().values);
  EXPECT_NE(a.values, BuiltinHealthySet(500, 43).values);
  const double low[] = {70, 98.0, 36.7};
  const double high[] = {90, 99.5, 37.2};
  for (size_t j = 0; j < 3; ++j) {
    double sum = 0;
    for (size_t i = 0; i < a.rows(); ++i) {
      EXPECT_GE(a.row(i)[j], low[j]);
      EXPECT_LT(a.row(i)[j], high[j]);
      sum += a.row(i)[j];
    }
    // Uniform: the mean of 500 draws sits near the middle (5 sigma).
    const double width = high[j] - low[j];
    EXPECT_NEAR(sum / 500, (low[j] + high[j]) / 2,
                5 * width / std::sqrt(12.0 * 500));
  }
}

TEST(BuiltinHealthySet, ValuesArePinnedSoTheSetNeverDrifts) {
  // Recorded from this implementation. mt19937_64 and the mapping to [0, 1)
  // are fully specified, so every standard library must give these bits;
  // a change here changes the default model.
  const NumericTable a = BuiltinHealthySet();
  EXPECT_EQ(a.row(0)[0], 85.103110659090774);
  EXPECT_EQ(a.row(0)[1], 99.25317566289759);
  EXPECT_EQ(a.row(0)[2], 36.7272494676779);
  EXPECT_EQ(a.row(1)[0], 82.780627877093949);
  EXPECT_EQ(a.row(499)[2], 36.752402062458522);
}

}  // namespace
}  // namespace heimdall::model
