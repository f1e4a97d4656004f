#include "telemetry/telemetry_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "telemetry/simulator.h"

namespace heimdall::telemetry {
namespace {

SimulatorOptions Options(uint64_t seed, double rate = 1.0) {
  SimulatorOptions options;
  options.seed = seed;
  options.rate = rate;
  return options;
}

TEST(SampleToJson, SimulatedSampleHasTheEarlierContractAndTruth) {
  auto simulator = Simulator::Create(Options(3)).value();
  const Sample sample = *simulator->Next().value();
  const nlohmann::json json = nlohmann::json::parse(SampleToJson(sample));
  for (const char* key : {"heart_rate", "oxygen_level", "temperature",
                          "respiration_rate", "time"}) {
    EXPECT_TRUE(json.at(key).is_number()) << key;
  }
  EXPECT_EQ(json.at("heart_rate").get<double>(), sample.values[0]);
  EXPECT_EQ(json.at("timestamp"), "2025-01-01T00:00:00Z");
  EXPECT_EQ(json.at("astronaut_id"), "astronaut-3");
  EXPECT_EQ(json.at("fault"), "none");
  EXPECT_EQ(json.at("critical"), false);
}

TEST(SampleToJson, MissingIsNullAndReplayNamesASeries) {
  Sample sample;
  sample.schema = std::make_shared<Schema>(Schema{"nyc_taxi", {"value"}});
  sample.values[0] = kMissing;
  const nlohmann::json json = nlohmann::json::parse(SampleToJson(sample));
  EXPECT_TRUE(json.at("value").is_null());
  EXPECT_EQ(json.at("series"), "nyc_taxi");
  EXPECT_FALSE(json.contains("critical"));
}

TEST(ParseTelemetryJson, RoundTripsASample) {
  auto simulator = Simulator::Create(Options(3)).value();
  simulator->Inject(
      MakeFaultSpec("sensor_dropout", {{"channel", std::string("temperature")}})
          .value());
  const Sample sample = *simulator->Next().value();
  const std::string body = SampleToJson(sample);
  const TelemetryReading reading =
      ParseTelemetryJson(body, sample.schema->names).value();
  EXPECT_EQ(reading.time, sample.time);
  EXPECT_EQ(reading.timestamp, sample.timestamp.view());
  EXPECT_EQ(reading.subject, "astronaut-3");
  ASSERT_TRUE(reading.truth.has_value());
  EXPECT_EQ(reading.truth->fault, FaultKind::kSensorDropout);
  ASSERT_EQ(reading.values.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(reading.values[i].first, sample.schema->names[i]);
  }
  EXPECT_EQ(reading.values[0].second, sample.values[0]);
  EXPECT_TRUE(IsMissing(reading.values[2].second));

  // Without names: every value, in alphabetical order.
  const TelemetryReading all = ParseTelemetryJson(body).value();
  ASSERT_EQ(all.values.size(), 4u);
  EXPECT_EQ(all.values[0].first, "heart_rate");
  EXPECT_EQ(all.values[3].first, "temperature");
  EXPECT_TRUE(IsMissing(all.values[3].second));
}

TEST(ParseTelemetryJson, TheEarlierFlaskBodyWorks) {
  const TelemetryReading reading =
      ParseTelemetryJson(R"({"heart_rate": 75, "oxygen_level": 98.5,
                             "temperature": 36.9})",
                         {"heart_rate", "oxygen_level", "temperature"})
          .value();
  EXPECT_FALSE(reading.time.has_value());
  EXPECT_FALSE(reading.truth.has_value());
  ASSERT_EQ(reading.values.size(), 3u);
  EXPECT_EQ(reading.values[1].second, 98.5);
}

TEST(ParseTelemetryJson, BadBodiesNameTheProblem) {
  const auto error_of = [](std::string_view body,
                           std::vector<std::string> names = {}) {
    Result<TelemetryReading> reading = ParseTelemetryJson(body, names);
    return reading.ok() ? std::string() : reading.error().message();
  };
  EXPECT_NE(error_of("{").find("telemetry: "), std::string::npos);
  EXPECT_NE(error_of("[1]").find("object"), std::string::npos);
  EXPECT_NE(error_of(R"({"heart_rate": 1, "heart_rate": 2})")
                .find("duplicate key 'heart_rate'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"heart_rate": "fast"})", {"heart_rate"})
                .find("'heart_rate' must be a number"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"oxygen_level": 98})", {"heart_rate"})
                .find("missing 'heart_rate'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"time": "now"})").find("'time'"), std::string::npos);
  EXPECT_NE(error_of(R"({"critical": 1})").find("'critical'"),
            std::string::npos);
}

}  // namespace
}  // namespace heimdall::telemetry
