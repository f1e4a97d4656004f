#include "evaluate/svg_plot.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace heimdall::evaluate {
namespace {

size_t Count(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

LabelledSeries Series(size_t rows) {
  LabelledSeries series{"cat/a<b>.csv", {}, {}, {{10, 19}, {50, 59}}};
  for (size_t i = 0; i < rows; ++i) {
    series.timestamps.push_back(static_cast<int64_t>(i) * 300);
    series.values.push_back(static_cast<double>(i % 7));
  }
  return series;
}

SeriesOutcome Outcome(size_t rows) {
  SeriesOutcome outcome;
  outcome.name = "cat/a<b>.csv";
  outcome.scores.assign(rows, 0.0);
  outcome.scores[12] = 0.9;
  outcome.probation = 15;
  outcome.heals = {12, 70};
  return outcome;
}

TEST(PlotFileName, FlattensDirectoriesAndSwapsExtension) {
  EXPECT_EQ(PlotFileName("realKnownCause/nyc_taxi.csv"),
            "realKnownCause__nyc_taxi.svg");
  EXPECT_EQ(PlotFileName("plain"), "plain.svg");
}

TEST(RenderSeriesSvg, DrawsWindowsHealsAndEscapesTheName) {
  const std::string svg = RenderSeriesSvg(Series(100), Outcome(100), 0.5);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(Count(svg, "fill=\"#fbd3d3\""), 2u);    // Two windows.
  EXPECT_EQ(Count(svg, "stroke=\"#d01010\""), 2u);  // Two heals.
  EXPECT_EQ(Count(svg, "<polyline"), 2u);           // Series and score.
  EXPECT_NE(svg.find("cat/a&lt;b&gt;.csv"), std::string::npos);
  EXPECT_EQ(svg.find("a<b>"), std::string::npos);
}

TEST(RenderSeriesSvg, BoundsSizeOnLongSeries) {
  const std::string small = RenderSeriesSvg(Series(2000), Outcome(2000), 0.5);
  const std::string large =
      RenderSeriesSvg(Series(200000), Outcome(200000), 0.5);
  EXPECT_LT(large.size(), small.size() * 2);
}

TEST(WritePlots, WritesOneFilePerSeries) {
  const std::filesystem::path dir =
      std::filesystem::path(testing::TempDir()) / "plots";
  EvaluationReport report;
  report.series = {Outcome(100)};
  report.heal_threshold = 0.5;
  ASSERT_TRUE(WritePlots(dir, {Series(100)}, report).ok());
  std::ifstream in(dir / "cat__a<b>.svg");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace heimdall::evaluate
