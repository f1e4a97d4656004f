// The JSON body of GET /telemetry, written by the simulator service and read
// by HttpPollSource.
//
//   {"heart_rate": 72.1, "oxygen_level": 98.7, "temperature": 36.9,
//    "respiration_rate": 14.2, "time": 12.0,
//    "timestamp": "2025-01-01T00:00:12Z", "astronaut_id": "astronaut-1",
//    "fault": "none", "critical": false}
//
// Values come first, in schema order, as numbers, or null when missing; the
// earlier contract's three keys are among them. Then "time" (seconds on the
// source's clock) and "timestamp" (ISO-8601). A simulated sample names its
// subject "astronaut_id" and adds its ground truth ("fault", "critical"); a
// replayed one names it "series". Value names never collide with these keys.
#ifndef HEIMDALL_TELEMETRY_TELEMETRY_JSON_H_
#define HEIMDALL_TELEMETRY_TELEMETRY_JSON_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "telemetry/sample.h"

namespace heimdall::telemetry {

// Keys of the body that are not values: "time", "timestamp", "astronaut_id",
// "series", "fault", "critical", "end", "error".
bool IsReservedKey(std::string_view key);

std::string SampleToJson(const Sample& sample);

// A parsed body, before it becomes a Sample.
struct TelemetryReading {
  std::optional<double> time;
  std::string timestamp;  // "" if absent.
  std::string subject;    // "astronaut_id" or "series"; "" if absent.
  std::vector<std::pair<std::string, double>> values;  // kMissing for null.
  std::optional<GroundTruth> truth;  // If "critical" was present.
};

// Parses a body strictly (http::ParseJsonObject: one object, no duplicate
// keys). With `names` empty, every non-reserved key holding a number or null
// is a value (in alphabetical order); otherwise exactly `names` are read, in
// that order, and each must be present. Fails, naming the key, on malformed
// JSON, a body that is not an object, a value that is neither a number nor
// null, or a reserved key of the wrong type.
Result<TelemetryReading> ParseTelemetryJson(
    std::string_view body, const std::vector<std::string>& names = {});

}  // namespace heimdall::telemetry

#endif  // HEIMDALL_TELEMETRY_TELEMETRY_JSON_H_
