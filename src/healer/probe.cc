#include "healer/probe.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "http/client.h"
#include "telemetry/http_poll_source.h"
#include "telemetry/sample.h"

namespace heimdall::healer {
namespace {

constexpr size_t kMaxErrorBody = 200;

bool IsServerError(int status) { return status >= 500; }

}  // namespace

nlohmann::json Reading::ToJson() const {
  nlohmann::json json = {
      {"time", time.time_since_epoch().count()},
      {"responsive", responsive},
      {"probability", nullptr},
      {"values", values},
  };
  if (probability && std::isfinite(*probability)) {
    json["probability"] = *probability;
  }
  if (model_probability && std::isfinite(*model_probability)) {
    json["model_probability"] = *model_probability;
  }
  if (!timestamp.empty()) json["timestamp"] = timestamp;
  if (!error.empty()) json["error"] = error;
  return json;
}

Observation Reading::ToObservation() const {
  Observation observation{time, responsive, probability, std::nullopt};
  if (!values.empty()) {
    observation.values_fingerprint = std::hash<std::string>{}(values.dump());
  }
  return observation;
}

Result<Scoring> MakeScoring(const detect::DetectorSpec& spec) {
  Result<detect::VitalsScorerFactory> local =
      detect::MakeVitalsScorerFactory(spec, detect::ModelPart::kExternal);
  if (!local.ok()) return local.error();
  return Scoring{spec.has("model"), std::move(*local),
                 spec.restart_with_generation};
}

HttpProbe::HttpProbe(HttpProbeOptions options, Scoring scoring)
    : options_(options),
      scoring_(std::move(scoring)),
      client_(std::make_unique<http::Client>()) {}

HttpProbe::~HttpProbe() = default;

Reading HttpProbe::Poll(const Deployment& deployment, TimePoint now) {
  Reading reading;
  reading.time = now;
  const std::string url = deployment.simulator_url + "/telemetry";
  if (!source_ || source_url_ != url) {
    source_ = std::make_unique<telemetry::HttpPollSource>(
        telemetry::HttpPollOptions{url, options_.telemetry_timeout, {}});
    source_url_ = url;
  }
  Result<std::optional<telemetry::Sample>> sample = source_->Next();
  if (!sample.ok()) {
    reading.error = sample.error().message();
    return reading;
  }
  if (!sample->has_value()) {
    reading.responsive = true;
    reading.ended = true;
    reading.error = url + ": the replay has ended";
    return reading;
  }
  const telemetry::Sample& s = **sample;
  reading.timestamp = std::string(s.timestamp.view());
  for (size_t i = 0; i < s.size(); ++i) {
    const double value = s.values[i];
    reading.values[s.schema->names[i]] = telemetry::IsMissing(value)
                                             ? nlohmann::json(nullptr)
                                             : nlohmann::json(value);
  }
  Predict(deployment, &reading);
  if (reading.responsive) Score(deployment, s, &reading);
  return reading;
}

void HttpProbe::Score(const Deployment& deployment,
                      const telemetry::Sample& sample, Reading* reading) {
  std::optional<double> local;
  if (scoring_.local) {
    if (!scorer_ || (scoring_.restart_with_generation &&
                     scorer_generation_ != deployment.generation_id)) {
      scorer_ = scoring_.local();
      scorer_generation_ = deployment.generation_id;
    }
    local = scorer_->Score(sample);
  }
  if (scoring_.use_predictor) {
    if (!reading->model_probability) return;  // The error says why.
    reading->probability =
        std::max(*reading->model_probability, local.value_or(0.0));
    return;
  }
  if (!local) {
    reading->error = "no value the detector can score in the reading";
    return;
  }
  reading->probability = local;
  reading->error.clear();  // A predictor's refusal does not matter here.
}

void HttpProbe::Predict(const Deployment& deployment, Reading* reading) {
  const std::string url = deployment.predictor_url + "/predict";
  Result<http::ClientResponse> response =
      client_->PostJson(url, reading->values.dump(), options_.predict_timeout);
  if (!response.ok()) {
    reading->error = response.error().message();
    return;
  }
  // A client error (a reading it cannot score) is an answer without a
  // probability; a server error is as good as no answer.
  reading->responsive = !IsServerError(response->status);
  if (response->status != 200) {
    reading->error = fmt::format("{}: answered {}: {}", url, response->status,
                                 response->body.substr(0, kMaxErrorBody));
    return;
  }
  const nlohmann::json body =
      nlohmann::json::parse(response->body, nullptr, false);
  const auto it =
      body.is_object() ? body.find("failure_probability") : body.end();
  if (it == body.end() || !it->is_number() ||
      !std::isfinite(it->get<double>())) {
    reading->error = url + ": no finite failure_probability in the answer";
    return;
  }
  reading->model_probability = it->get<double>();
}

}  // namespace heimdall::healer
