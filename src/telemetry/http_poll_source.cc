#include "telemetry/http_poll_source.h"

#include <algorithm>

#include "http/client.h"
#include "telemetry/telemetry_json.h"

namespace heimdall::telemetry {
namespace {

constexpr int kHttpOk = 200;
constexpr int kHttpGone = 410;
constexpr size_t kMaxBodyShown = 200;

}  // namespace

HttpPollSource::HttpPollSource(HttpPollOptions options)
    : options_(std::move(options)), client_(std::make_unique<http::Client>()) {}

HttpPollSource::~HttpPollSource() = default;

Result<std::optional<Sample>> HttpPollSource::Next() {
  const auto now = std::chrono::steady_clock::now();
  if (!first_poll_) first_poll_ = now;
  const double since_first =
      std::chrono::duration<double>(now - *first_poll_).count();

  Result<http::ClientResponse> response =
      client_->Get(options_.url, options_.timeout);
  if (!response.ok()) return response.error();
  if (response->status == kHttpGone) return std::optional<Sample>();
  if (response->status != kHttpOk) {
    return MakeError("{}: answered {}: {}", options_.url, response->status,
                     response->body.substr(0, kMaxBodyShown));
  }
  Result<Sample> sample = ToSample(response->body, since_first);
  if (!sample.ok()) return sample.error().Annotate(options_.url);
  return std::optional<Sample>(std::move(sample).value());
}

Result<Sample> HttpPollSource::ToSample(std::string_view body,
                                        double fallback_time) {
  Result<TelemetryReading> reading = ParseTelemetryJson(body, options_.values);
  if (!reading.ok()) return reading.error();
  if (reading->values.size() > kMaxValues) {
    return MakeError("{} values, at most {} fit a sample",
                     reading->values.size(), kMaxValues);
  }

  std::vector<std::string> names;
  Sample sample;
  for (size_t i = 0; i < reading->values.size(); ++i) {
    names.push_back(reading->values[i].first);
    sample.values[i] = reading->values[i].second;
  }
  sample.schema = SchemaFor(reading->subject, std::move(names));
  sample.time = std::max(reading->time.value_or(fallback_time), last_time_);
  last_time_ = sample.time;
  sample.timestamp = Timestamp(reading->timestamp);
  sample.truth = reading->truth;
  return sample;
}

std::shared_ptr<const Schema> HttpPollSource::SchemaFor(
    const std::string& subject, std::vector<std::string> names) {
  // Responses almost always have the same keys: reuse the last schema.
  if (!schema_ || schema_->subject != subject || schema_->names != names) {
    schema_ = std::make_shared<const Schema>(Schema{subject, std::move(names)});
  }
  return schema_;
}

}  // namespace heimdall::telemetry
