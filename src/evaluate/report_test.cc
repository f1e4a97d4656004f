#include "evaluate/report.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

namespace heimdall::evaluate {
namespace {

EvaluationReport SmallReport() {
  EvaluationReport report;
  report.detector = "novelty(warmup=250)";
  ProfileScore standard;
  standard.profile = NabProfiles()[0];
  standard.threshold = 0.75;
  standard.raw = 1.5;
  standard.null = -2;
  standard.perfect = 2;
  standard.normalised = 87.5;
  standard.files = {{"a/x.csv", 1.5, {}, 2, 2, 1}};
  ProfileScore none = standard;
  none.profile = NabProfiles()[1];
  none.threshold = std::numeric_limits<double>::infinity();
  report.nab = {standard, none};
  report.heal_threshold = 0.75;
  SeriesOutcome series;
  series.name = "a/x.csv";
  series.scores = {0, 0, 1};
  series.windows = 2;
  series.heals = {2};
  series.windows_healed = 1;
  series.lead_seconds = {3600};
  report.series = {series};
  report.heals = {1, 0, 2, 1, 1.0, 0.5, 3600.0, 3600.0};
  report.rows = 3;
  return report;
}

TEST(FormatDuration, PicksTwoUnits) {
  EXPECT_EQ(FormatDuration(40), "40s");
  EXPECT_EQ(FormatDuration(12 * 60 + 5), "12m");
  EXPECT_EQ(FormatDuration(2 * 3600 + 5 * 60), "2h 05m");
  EXPECT_EQ(FormatDuration(3 * 86400 + 4 * 3600 + 59), "3d 4h");
  EXPECT_EQ(FormatDuration(-90), "-1m");
}

TEST(FormatJson, WritesDocumentedFieldsAndNullsForMissingValues) {
  const nlohmann::json json = nlohmann::json::parse(FormatJson(SmallReport()));
  EXPECT_EQ(json["detector"], "novelty(warmup=250)");
  EXPECT_EQ(json["nab"][0]["profile"], "standard");
  EXPECT_DOUBLE_EQ(json["nab"][0]["score"].get<double>(), 87.5);
  EXPECT_TRUE(json["nab"][1]["threshold"].is_null());
  EXPECT_DOUBLE_EQ(json["heals"]["recall"].get<double>(), 0.5);
  EXPECT_EQ(json["files"][0]["windows_detected"], 2);
  EXPECT_EQ(json["files"][0]["lead_seconds"][0], 3600);
}

TEST(FormatTable, ShowsProfilesHealsAndSeries) {
  const std::string table = FormatTable(SmallReport(), true);
  EXPECT_NE(table.find("standard"), std::string::npos);
  EXPECT_NE(table.find("87.50"), std::string::npos);
  EXPECT_NE(table.find("none"), std::string::npos);
  EXPECT_NE(table.find("recall 50.0%"), std::string::npos);
  EXPECT_NE(table.find("a/x.csv"), std::string::npos);
  EXPECT_EQ(FormatTable(SmallReport(), false).find("a/x.csv"),
            std::string::npos);
}

}  // namespace
}  // namespace heimdall::evaluate
