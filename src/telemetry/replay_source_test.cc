#include "telemetry/replay_source.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "telemetry/timestamp.h"

namespace heimdall::telemetry {
namespace {

namespace fs = std::filesystem;

const fs::path kNabMachineTemperature =
    fs::path(HEIMDALL_SHARED_DIR) /
    "datasets/nab/data/realKnownCause/machine_temperature_system_failure.csv";

// Writes `text` to a fresh file in the test's temporary directory.
fs::path WriteFile(const std::string& name, const std::string& text) {
  const fs::path path = fs::path(::testing::TempDir()) / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

ReplayOptions At(const fs::path& path) {
  ReplayOptions options;
  options.path = path;
  return options;
}

ReplayOptions Skipping(const fs::path& path) {
  ReplayOptions options = At(path);
  options.on_bad_line = BadLinePolicy::kSkip;
  return options;
}

std::vector<Sample> ReadAll(ReplaySource& source) {
  std::vector<Sample> samples;
  while (true) {
    Result<std::optional<Sample>> next = source.Next();
    EXPECT_TRUE(next.ok());
    if (!next.ok() || !next->has_value()) break;
    samples.push_back(**next);
  }
  return samples;
}

std::unique_ptr<ReplaySource> OpenOrDie(ReplayOptions options) {
  Result<std::unique_ptr<ReplaySource>> source =
      ReplaySource::Open(std::move(options));
  EXPECT_TRUE(source.ok()) << source.error().message();
  return source.ok() ? std::move(source).value() : nullptr;
}

// The NAB file's rows as (timestamp text, value), read without our CSV code.
std::vector<std::pair<std::string, double>> ReadNabIndependently(
    const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // Header.
  std::vector<std::pair<std::string, double>> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const size_t comma = line.find(',');
    rows.emplace_back(line.substr(0, comma),
                      std::strtod(line.c_str() + comma + 1, nullptr));
  }
  return rows;
}

TEST(ReplaySource, NabMachineTemperatureYieldsEveryRowInOrder) {
  const auto expected = ReadNabIndependently(kNabMachineTemperature);
  ASSERT_GT(expected.size(), 20000u);

  auto source = OpenOrDie(At(kNabMachineTemperature));
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->time_column(), "timestamp");
  EXPECT_EQ(source->schema()->names, std::vector<std::string>{"value"});
  EXPECT_EQ(source->schema()->subject, "machine_temperature_system_failure");
  EXPECT_EQ(source->rows(), expected.size());

  const std::vector<Sample> samples = ReadAll(*source);
  ASSERT_EQ(samples.size(), expected.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    ASSERT_EQ(samples[i].values[0], expected[i].second) << "row " << i;
    std::string iso = expected[i].first;
    iso[10] = 'T';
    ASSERT_EQ(samples[i].timestamp.view(), iso + "Z") << "row " << i;
    if (i > 0) {
      ASSERT_GE(samples[i].time, samples[i - 1].time);
    }
  }
  EXPECT_FALSE(source->Next().value().has_value());  // And it stays ended.
  EXPECT_FALSE(source->Next().value().has_value());
}

TEST(ReplaySource, EveryNabFileReplaysEveryRow) {
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(
           fs::path(HEIMDALL_SHARED_DIR) / "datasets/nab/data")) {
    if (entry.path().extension() != ".csv") continue;
    SCOPED_TRACE(entry.path().string());
    ++files;
    auto source = OpenOrDie(At(entry.path()));
    ASSERT_NE(source, nullptr);
    EXPECT_EQ(source->rows(), ReadNabIndependently(entry.path()).size());
    EXPECT_EQ(ReadAll(*source).size(), source->rows());
  }
  EXPECT_EQ(files, 58u);  // The NAB corpus.
}

TEST(ReplaySource, VitalSignExportWithMappingAndMess) {
  // Stray spaces in the header, CRLF, a blank cell, a repeated and a
  // backwards time.
  const fs::path path = WriteFile("vitals.csv",
                                  "Time [s], HR, PULSE, RESP , SpO2\r\n"
                                  "0, 72, 71, 14, 98\r\n"
                                  "1, 73, , 15, \r\n"
                                  "1, 74, 73, 15, 97\r\n"
                                  "0.5, 75, 74, 16, 96\r\n"
                                  "2, 76, 75, 16, 95\r\n");
  ReplayOptions options = At(path);
  options.columns = {"HR", "SpO2", "RESP"};
  options.rename = {{"HR", "heart_rate"}, {"SpO2", "oxygen_level"}};
  auto source = OpenOrDie(options);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->time_column(), "Time [s]");
  EXPECT_EQ(source->schema()->names,
            (std::vector<std::string>{"heart_rate", "oxygen_level", "RESP"}));

  const std::vector<Sample> samples = ReadAll(*source);
  ASSERT_EQ(samples.size(), 5u);
  EXPECT_EQ(samples[0].Get("heart_rate"), 72);
  EXPECT_TRUE(IsMissing(samples[1].values[1]));  // Blank SpO2.
  EXPECT_EQ(samples[1].Get("RESP"), 15);
  const std::vector<double> times = {0, 1, 1, 1, 2};  // Clamped, in order.
  for (size_t i = 0; i < samples.size(); ++i) {
    EXPECT_EQ(samples[i].time, times[i]) << i;
    EXPECT_EQ(samples[i].values[0], 72 + static_cast<double>(i));
  }
  EXPECT_EQ(samples[3].timestamp.view(), "1970-01-01T00:00:00.500Z");
}

TEST(ReplaySource, BrokenLinesAreRejectedWithLineNumbers) {
  const fs::path path = WriteFile("broken.csv",
                                  "timestamp,value\n"
                                  "2014-01-01 00:00:00,1.5\n"
                                  "2014-01-01 00:05:00,abc\n"
                                  "2014-01-01 00:10:00,2.5,extra\n"
                                  "\n"
                                  "not a time,3.5\n"
                                  "\"2014-01-01 00:20:00,4\n"
                                  "2014-01-01 00:25:00,5.5\n");
  Result<std::unique_ptr<ReplaySource>> rejected = ReplaySource::Open(At(path));
  ASSERT_FALSE(rejected.ok());
  const std::string message = rejected.error().message();
  EXPECT_NE(message.find("4 malformed lines"), std::string::npos) << message;
  EXPECT_NE(message.find("line 3: value: 'abc' is not a number"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("line 4: expected 2 cells, found 3"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("line 6: timestamp:"), std::string::npos) << message;
  EXPECT_NE(message.find("line 7:"), std::string::npos) << message;
}

TEST(ReplaySource, BrokenLinesAreSkippedAndCounted) {
  const fs::path path = WriteFile("broken_skip.csv",
                                  "timestamp,value\n"
                                  "2014-01-01 00:00:00,1.5\n"
                                  "2014-01-01 00:05:00,abc\n"
                                  "2014-01-01 00:10:00,2.5,extra\n"
                                  "2014-01-01 00:25:00,5.5\n");
  auto source = OpenOrDie(Skipping(path));
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->skipped(), 2u);
  ASSERT_EQ(source->bad_lines().size(), 2u);
  EXPECT_EQ(source->bad_lines()[0], "line 3: value: 'abc' is not a number");
  const std::vector<Sample> samples = ReadAll(*source);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].values[0], 1.5);
  EXPECT_EQ(samples[1].values[0], 5.5);
}

TEST(ReplaySource, KeepsOnlyTheFirstBadLines) {
  std::string text = "time,value\n";
  for (int i = 0; i < 50; ++i) text += std::to_string(i) + ",x\n";
  text += "51,1\n";
  auto source = OpenOrDie(Skipping(WriteFile("many_bad.csv", text)));
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->skipped(), 50u);
  EXPECT_EQ(source->bad_lines().size(), ReplaySource::kKeptBadLines);
  EXPECT_EQ(source->rows(), 1u);
}

TEST(ReplaySource, WithoutTimeColumnRowsAreSpacedByInterval) {
  ReplayOptions options = At(WriteFile("no_time.csv", "a,b\n1,2\n3,4\n"));
  options.row_interval = 0.5;
  auto source = OpenOrDie(options);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->time_column(), "");
  const std::vector<Sample> samples = ReadAll(*source);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[1].time, 0.5);
  EXPECT_EQ(samples[1].Get("b"), 4);
}

TEST(ReplaySource, ResumesAfterAGivenTime) {
  const fs::path path = WriteFile(
      "resume.csv",
      "timestamp,value\n2013-12-10 08:20:00,1\n2013-12-10 08:25:00,2\n"
      "2013-12-10 08:30:00,3\n");
  ReplayOptions options = At(path);
  options.start_after = *ParseTimestamp("2013-12-10T08:25:00Z");
  auto source = OpenOrDie(options);
  ASSERT_NE(source, nullptr);
  const std::vector<Sample> samples = ReadAll(*source);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].Get("value"), 3);
  EXPECT_EQ(samples[0].timestamp.view(), "2013-12-10T08:30:00Z");

  options.start_after = *ParseTimestamp("2013-12-10T08:30:00Z");
  Result<std::unique_ptr<ReplaySource>> past = ReplaySource::Open(options);
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.error().message().find("no rows after 2013-12-10T08:30:00Z"),
            std::string::npos)
      << past.error().message();
}

TEST(ReplaySource, ConfigurationErrorsNameTheProblem) {
  const fs::path path = WriteFile("cfg.csv", "Time [s],HR,SpO2\n0,70,98\n");
  const auto error_of = [](const ReplayOptions& options) {
    Result<std::unique_ptr<ReplaySource>> source = ReplaySource::Open(options);
    return source.ok() ? std::string() : source.error().message();
  };
  ReplayOptions options = At(path);
  options.columns = {"PULSE"};
  EXPECT_NE(
      error_of(options).find("no column 'PULSE' (columns: Time [s], HR, SpO2)"),
      std::string::npos);

  options.columns = {"HR", "Time [s]"};
  EXPECT_NE(error_of(options).find("'Time [s]' holds the time"),
            std::string::npos);

  options = At(path);
  options.timestamp_column = "Clock";
  EXPECT_NE(error_of(options).find("no column 'Clock'"), std::string::npos);

  options = At(path);
  options.rename = {{"RESP", "respiration_rate"}};
  EXPECT_NE(error_of(options).find("cannot rename 'RESP'"), std::string::npos);
  options.rename = {{"HR", "SpO2"}};
  EXPECT_NE(error_of(options).find("both be called 'SpO2'"), std::string::npos);
  options.rename = {{"HR", "fault"}};
  EXPECT_NE(error_of(options).find("reserved"), std::string::npos);

  EXPECT_NE(error_of(At("/nonexistent/x.csv")).find("cannot open"),
            std::string::npos);
  EXPECT_NE(
      error_of(At(WriteFile("empty.csv", "time,value\n"))).find("no data rows"),
      std::string::npos);
}

TEST(ParseRenames, ParsesPairs) {
  const auto renames =
      ParseRenames("HR=heart_rate, SpO2 = oxygen_level").value();
  ASSERT_EQ(renames.size(), 2u);
  EXPECT_EQ(renames[1],
            (std::pair<std::string, std::string>{"SpO2", "oxygen_level"}));
  EXPECT_FALSE(ParseRenames("HR").ok());
  EXPECT_FALSE(ParseRenames("HR=").ok());
  EXPECT_FALSE(ParseRenames("=x").ok());
}

}  // namespace
}  // namespace heimdall::telemetry
