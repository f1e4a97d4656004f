#include "telemetry/telemetry_json.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "http/json.h"

namespace heimdall::telemetry {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 8> kReservedKeys = {
    "time",  "timestamp", "astronaut_id", "series",
    "fault", "critical",  "end",          "error"};

Result<double> ReadValue(const Json& json, const std::string& key) {
  if (json.is_null()) return kMissing;
  if (!json.is_number()) {
    return MakeError("'{}' must be a number or null", key);
  }
  return json.get<double>();
}

Status ReadMetadata(const Json& body, TelemetryReading* reading) {
  if (auto it = body.find("time"); it != body.end()) {
    if (!it->is_number()) return Error("'time' must be a number");
    reading->time = it->get<double>();
  }
  if (auto it = body.find("timestamp"); it != body.end()) {
    if (!it->is_string()) return Error("'timestamp' must be a string");
    reading->timestamp = it->get<std::string>();
  }
  for (const char* key : {"astronaut_id", "series"}) {
    if (auto it = body.find(key); it != body.end()) {
      if (!it->is_string()) return MakeError("'{}' must be a string", key);
      reading->subject = it->get<std::string>();
    }
  }
  if (auto it = body.find("critical"); it != body.end()) {
    if (!it->is_boolean()) return Error("'critical' must be true or false");
    GroundTruth truth;
    truth.critical = it->get<bool>();
    if (auto fault = body.find("fault"); fault != body.end()) {
      if (!fault->is_string()) return Error("'fault' must be a string");
      truth.fault =
          ParseFaultKind(fault->get<std::string>()).value_or(FaultKind::kNone);
    }
    reading->truth = truth;
  }
  return Status::Ok();
}

Status ReadValues(const Json& body, const std::vector<std::string>& names,
                  TelemetryReading* reading) {
  if (names.empty()) {
    for (const auto& [key, json] : body.items()) {
      if (IsReservedKey(key) || !(json.is_number() || json.is_null())) {
        continue;
      }
      reading->values.emplace_back(key, ReadValue(json, key).value());
    }
    return Status::Ok();
  }
  for (const std::string& name : names) {
    auto it = body.find(name);
    if (it == body.end()) return MakeError("missing '{}'", name);
    Result<double> value = ReadValue(*it, name);
    if (!value.ok()) return value.error();
    reading->values.emplace_back(name, *value);
  }
  return Status::Ok();
}

}  // namespace

bool IsReservedKey(std::string_view key) {
  return std::find(kReservedKeys.begin(), kReservedKeys.end(), key) !=
         kReservedKeys.end();
}

std::string SampleToJson(const Sample& sample) {
  // Ordered, so values come first as the contract shows.
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  for (size_t i = 0; i < sample.size(); ++i) {
    const double value = sample.values[i];
    body[sample.schema->names[i]] = IsMissing(value)
                                        ? nlohmann::ordered_json(nullptr)
                                        : nlohmann::ordered_json(value);
  }
  body["time"] = sample.time;
  body["timestamp"] = std::string(sample.timestamp.view());
  const std::string subject = sample.schema ? sample.schema->subject : "";
  if (sample.truth) {
    body["astronaut_id"] = subject;
    body["fault"] = std::string(FaultKindName(sample.truth->fault));
    body["critical"] = sample.truth->critical;
  } else {
    body["series"] = subject;
  }
  return body.dump();
}

Result<TelemetryReading> ParseTelemetryJson(
    std::string_view body, const std::vector<std::string>& names) {
  Result<nlohmann::json> json = http::ParseJsonObject(body);
  if (!json.ok()) return json.error().Annotate("telemetry");
  TelemetryReading reading;
  HEIMDALL_RETURN_IF_ERROR(ReadMetadata(*json, &reading));
  HEIMDALL_RETURN_IF_ERROR(ReadValues(*json, names, &reading));
  return reading;
}

}  // namespace heimdall::telemetry
