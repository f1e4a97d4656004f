#include "service/prediction_service.h"

#include <cassert>
#include <cmath>
#include <optional>
#include <iterator>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "http/json.h"
#include "http/metrics.h"
#include "http/rate_limited_log.h"
#include "model/model_file.h"

namespace heimdall::service {
namespace {

using nlohmann::json;

// Reads the model's features from one JSON object into `row`; extra keys are
// ignored (the earlier monitor forwards the whole telemetry object).
Status ReadFeatures(const json& reading, const model::Model& model,
                    double* row) {
  if (!reading.is_object()) return Error("a reading must be a JSON object");
  for (size_t i = 0; i < model.num_features(); ++i) {
    Result<double> value = http::RequireNumber(reading, model.features()[i]);
    if (!value.ok()) return value.error();
    row[i] = *value;
  }
  return Status::Ok();
}

// One result as JSON text. fmt writes the shortest text that reads back as
// the same double; the values are finite by the model's contract.
void AppendResult(const model::Model& model, double decision,
                  std::string* out) {
  fmt::format_to(std::back_inserter(*out),
                 R"({{"failure_probability":{},"decision":{},"anomaly":{})",
                 model.FailureProbability(decision), decision,
                 decision < 0 ? "true" : "false");
}

}  // namespace

// Service metrics, registered once; the hot path touches only atomics.
struct PredictionService::Metrics {
  std::shared_ptr<prometheus::Registry> registry =
      std::make_shared<prometheus::Registry>();
  std::optional<http::HttpMetrics> http;
  prometheus::Counter* predictions = nullptr;
  prometheus::Counter* anomalies = nullptr;
  prometheus::Histogram* probability = nullptr;
  http::RateLimitedLog log;

  Metrics() {
    Result<http::HttpMetrics> created = http::HttpMetrics::Create(registry);
    assert(created.ok());  // A fresh registry cannot hold clashing names.
    http.emplace(std::move(created).value());
    predictions = &prometheus::BuildCounter()
                       .Name("heimdall_predictions_total")
                       .Help("Readings scored, single and batch.")
                       .Register(*registry)
                       .Add({});
    anomalies = &prometheus::BuildCounter()
                     .Name("heimdall_anomalies_total")
                     .Help("Readings scored outside the healthy region.")
                     .Register(*registry)
                     .Add({});
    probability = &prometheus::BuildHistogram()
                       .Name("heimdall_failure_probability")
                       .Help("Failure probability of readings scored by "
                             "/predict.")
                       .Register(*registry)
                       .Add({}, prometheus::Histogram::BucketBoundaries{
                                    0.01, 0.1, 0.5, 0.9, 0.99});
  }
};

PredictionService::PredictionService(model::Model model,
                                     PredictionServiceOptions options)
    : model_(std::move(model)),
      options_(options),
      model_summary_(model::ModelSummaryJson(model_)),
      metrics_(std::make_unique<Metrics>()) {
  for (const std::string& feature : model_.features()) {
    quoted_features_.push_back(json(feature).dump());
  }
}

PredictionService::~PredictionService() = default;

void PredictionService::Register(http::Router& router) {
  router.Handle("POST", "/predict",
                [this](const http::Request& r) { return Predict(r); });
  router.Handle("POST", "/predict/batch",
                [this](const http::Request& r) { return PredictBatch(r); });
  router.Handle("GET", "/healthz",
                [this](const http::Request& r) { return Health(r); });
  router.Handle("GET", "/model",
                [this](const http::Request& r) { return ModelInfo(r); });
  router.Handle("GET", "/metrics", http::MetricsHandler(metrics_->registry));
  metrics_->http->Instrument(router);
}

void PredictionService::OnReject(std::string_view reason) {
  metrics_->http->CountRejection(reason);
  metrics_->log.Log(reason, fmt::format("rejected request: {}", reason));
}

http::Response PredictionService::Reject(int status, std::string_view reason,
                                         const std::string& message) {
  OnReject(reason);
  return http::Response::JsonError(status, message);
}

http::Response PredictionService::Predict(const http::Request& request) {
  if (!http::IsJsonContentType(request.Header("Content-Type"))) {
    return Reject(415, "content type",
                  "Content-Type must be application/json");
  }
  Result<json> body = http::ParseJsonObject(request.body);
  if (!body.ok()) return Reject(400, "bad json", body.error().message());
  std::vector<double> row(model_.num_features());
  if (Status read = ReadFeatures(*body, model_, row.data()); !read.ok()) {
    return Reject(400, "bad reading", read.error().message());
  }

  const double decision = model_.Decision(row);
  metrics_->predictions->Increment();
  if (decision < 0) metrics_->anomalies->Increment();
  metrics_->probability->Observe(model_.FailureProbability(decision));

  http::Response response;
  response.body.reserve(256);
  AppendResult(model_, decision, &response.body);
  response.body += R"(,"explanation":[)";
  const auto contributions = model_.Explain(row);
  for (size_t i = 0; i < contributions.size(); ++i) {
    const model::FeatureContribution& c = contributions[i];
    fmt::format_to(std::back_inserter(response.body),
                   R"({}{{"feature":{},"value":{},"reference":{},)"
                   R"("decision_gain":{}}})",
                   i == 0 ? "" : ",", quoted_features_[i], c.value,
                   c.reference, c.decision_gain);
  }
  response.body += "]}";
  return response;
}

http::Response PredictionService::PredictBatch(const http::Request& request) {
  if (!http::IsJsonContentType(request.Header("Content-Type"))) {
    return Reject(415, "content type",
                  "Content-Type must be application/json");
  }
  Result<json> body = http::ParseJsonObject(request.body);
  if (!body.ok()) return Reject(400, "bad json", body.error().message());
  const auto readings = body->find("readings");
  if (readings == body->end() || !readings->is_array()) {
    return Reject(400, "bad reading",
                  "field 'readings' must be an array of readings");
  }
  if (readings->size() > options_.max_batch) {
    return Reject(413, "batch too large",
                  fmt::format("{} readings in one batch; the limit is {}",
                              readings->size(), options_.max_batch));
  }

  const size_t n = readings->size();
  const size_t width = model_.num_features();
  std::vector<double> rows(n * width);
  for (size_t i = 0; i < n; ++i) {
    Status read = ReadFeatures((*readings)[i], model_, &rows[i * width]);
    if (!read.ok()) {
      return Reject(400, "bad reading",
                    fmt::format("readings[{}]: {}", i, read.error().message()));
    }
  }
  std::vector<double> decisions(n);
  model_.DecisionBatch(rows.data(), n, decisions.data());

  http::Response response;
  response.body.reserve(64 + n * 80);
  fmt::format_to(std::back_inserter(response.body),
                 R"({{"count":{},"results":[)", n);
  size_t anomalies = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) response.body += ',';
    AppendResult(model_, decisions[i], &response.body);
    response.body += '}';
    anomalies += decisions[i] < 0;
  }
  response.body += "]}";
  metrics_->predictions->Increment(static_cast<double>(n));
  metrics_->anomalies->Increment(static_cast<double>(anomalies));
  return response;
}

http::Response PredictionService::Health(const http::Request&) {
  return http::Response::Json(
      200, fmt::format(R"({{"status":"ok","features":{},"support_vectors":{}}})",
                       json(model_.features()).dump(),
                       model_.num_support_vectors()));
}

http::Response PredictionService::ModelInfo(const http::Request&) {
  return http::Response::Json(200, model_summary_);
}

}  // namespace heimdall::service
