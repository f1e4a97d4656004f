#include "evaluate/labelled_series.h"

#include <gtest/gtest.h>

#include <fstream>

namespace heimdall::evaluate {
namespace {

constexpr const char* kNab = HEIMDALL_SHARED_DIR "/datasets/nab";

std::filesystem::path WriteTemp(const std::string& name,
                                const std::string& text) {
  const std::filesystem::path path =
      std::filesystem::path(testing::TempDir()) / name;
  std::ofstream(path) << text;
  return path;
}

TEST(ParseTimestamp, ReadsNabFormatsAndRejectsOthers) {
  EXPECT_EQ(*ParseTimestamp("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(*ParseTimestamp("2014-04-10 07:15:00"), 1397114100);
  EXPECT_EQ(*ParseTimestamp("2014-04-10 07:15:00.000000"), 1397114100);
  EXPECT_EQ(*ParseTimestamp("2014-04-10T07:15:00"), 1397114100);
  for (const char* bad :
       {"", "2014-04-10", "2014-13-01 00:00:00", "2014-02-30 00:00:00",
        "2014-04-10 24:00:00", "2014-04-10 07:15:00.", "2014-04-10 07:15:00Z",
        "14-04-10 07:15:00", "2014/04/10 07:15:00"}) {
    EXPECT_FALSE(ParseTimestamp(bad).ok()) << bad;
  }
}

TEST(FormatTimestamp, InvertsParseTimestamp) {
  for (const char* text : {"1970-01-01 00:00:00", "2014-04-10 07:15:00",
                           "1969-12-31 23:59:59", "2000-02-29 12:00:01"}) {
    EXPECT_EQ(FormatTimestamp(*ParseTimestamp(text)), text);
  }
}

TEST(LocateWindows, PlacesWindowsOnRowsInFileOrder) {
  const std::vector<int64_t> times = {0, 10, 20, 30, 40, 50, 60};
  Result<std::vector<WindowSpan>> spans =
      LocateWindows(times, {{10, 30}, {45, 60}});
  ASSERT_TRUE(spans.ok());
  EXPECT_EQ(*spans, (std::vector<WindowSpan>{{1, 3}, {5, 6}}));
}

TEST(LocateWindows, HandlesRepeatedTimestampsLikeNab) {
  // A window ending on a repeated timestamp ends at its first occurrence.
  const std::vector<int64_t> times = {0, 10, 20, 20, 20, 30};
  Result<std::vector<WindowSpan>> spans = LocateWindows(times, {{10, 20}});
  ASSERT_TRUE(spans.ok());
  EXPECT_EQ(*spans, (std::vector<WindowSpan>{{1, 2}}));
}

TEST(LocateWindows, RejectsWindowWithoutRows) {
  const std::vector<int64_t> times = {0, 10, 20};
  EXPECT_FALSE(LocateWindows(times, {{11, 19}}).ok());
  EXPECT_FALSE(LocateWindows(times, {{30, 40}}).ok());
  EXPECT_FALSE(LocateWindows(times, {{10, 20}, {0, 10}}).ok());
}

TEST(ReadWindowLabels, ReadsWindowsAndNamesBadEntries) {
  Result<WindowLabels> labels = ReadWindowLabels(WriteTemp(
      "windows.json",
      R"({"a/x.csv": [["2014-01-01 00:00:00", "2014-01-02 00:00:00.000000"]],
          "a/y.csv": []})"));
  ASSERT_TRUE(labels.ok()) << labels.error().message();
  ASSERT_EQ(labels->size(), 2u);
  EXPECT_EQ(labels->at("a/x.csv")[0].end - labels->at("a/x.csv")[0].start,
            86400);

  Result<WindowLabels> reversed = ReadWindowLabels(WriteTemp(
      "reversed.json",
      R"({"a/x.csv": [["2014-01-02 00:00:00", "2014-01-01 00:00:00"]]})"));
  ASSERT_FALSE(reversed.ok());
  EXPECT_NE(reversed.error().message().find("a/x.csv"), std::string::npos);
  EXPECT_FALSE(ReadWindowLabels(WriteTemp("bad.json", "[1, 2")).ok());
  EXPECT_FALSE(ReadWindowLabels("/nonexistent/windows.json").ok());
}

TEST(ReadLabelledSeries, NamesFileAndLineOfBadCell) {
  const std::filesystem::path dir = testing::TempDir();
  WriteTemp("series.csv",
            "timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,x\n");
  Result<LabelledSeries> series = ReadLabelledSeries(dir, "series.csv", {});
  ASSERT_FALSE(series.ok());
  EXPECT_NE(series.error().message().find("series.csv"), std::string::npos);
  EXPECT_NE(series.error().message().find("line 3"), std::string::npos);
}

TEST(ReadCorpus, ReadsTheWholeNabCorpus) {
  Result<WindowLabels> labels =
      ReadWindowLabels(std::string(kNab) + "/labels/combined_windows.json");
  ASSERT_TRUE(labels.ok()) << labels.error().message();
  Result<std::vector<LabelledSeries>> corpus =
      ReadCorpus(std::string(kNab) + "/data", *labels);
  ASSERT_TRUE(corpus.ok()) << corpus.error().message();
  ASSERT_EQ(corpus->size(), 58u);
  size_t rows = 0, windows = 0;
  for (const LabelledSeries& series : *corpus) {
    rows += series.values.size();
    windows += series.windows.size();
    EXPECT_EQ(series.windows.size(), labels->at(series.name).size());
  }
  EXPECT_EQ(rows, 365558u);  // NAB's own Total_Count.
  EXPECT_EQ(windows, 116u);
}

}  // namespace
}  // namespace heimdall::evaluate
