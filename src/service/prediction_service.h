// The prediction service: HTTP endpoints over one loaded model.
//
// Wire contract (kept from the earlier Flask predictor, extended):
//   POST /predict        {"heart_rate": n, "oxygen_level": n, "temperature": n}
//                        (the model's features; extra keys are ignored) ->
//                        {"failure_probability": p, "decision": d,
//                         "anomaly": bool, "explanation": [...]}
//   POST /predict/batch  {"readings": [{...}, ...]} -> {"count": n,
//                        "results": [{"failure_probability", "decision",
//                        "anomaly"}, ...]} in request order
//   GET  /healthz        {"status": "ok"}
//   GET  /model          what is loaded (features, gamma, offset, summary)
//   GET  /metrics        Prometheus text (see Metrics below)
// A reading is an `anomaly` when its decision value is negative: outside the
// region the model learned as healthy. Bad input gets a 4xx JSON `error`
// that names the problem; no response carries a non-finite number.
#ifndef HEIMDALL_SERVICE_PREDICTION_SERVICE_H_
#define HEIMDALL_SERVICE_PREDICTION_SERVICE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "http/server.h"
#include "model/ocsvm.h"

namespace heimdall::service {

struct PredictionServiceOptions {
  // Most readings one /predict/batch request may carry.
  size_t max_batch = 100'000;
};

// Thread-safe: handlers only read the model and update atomic metrics.
class PredictionService {
 public:
  PredictionService(model::Model model, PredictionServiceOptions options);
  ~PredictionService();
  PredictionService(const PredictionService&) = delete;
  PredictionService& operator=(const PredictionService&) = delete;

  // Adds the service's routes (including /metrics) to `router`. The router
  // must not outlive this service.
  void Register(http::Router& router);

  // Called by the server for requests it rejects before routing, so they are
  // counted and logged like the service's own rejections.
  void OnReject(std::string_view reason);

  const model::Model& model() const { return model_; }

  // The handlers, public for tests that call them without sockets.
  http::Response Predict(const http::Request& request);
  http::Response PredictBatch(const http::Request& request);
  http::Response Health(const http::Request& request);
  http::Response ModelInfo(const http::Request& request);

 private:
  struct Metrics;

  http::Response Reject(int status, std::string_view reason,
                        const std::string& message);

  model::Model model_;
  PredictionServiceOptions options_;
  std::string model_summary_;
  std::vector<std::string> quoted_features_;  // As JSON strings, escaped.
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace heimdall::service

#endif  // HEIMDALL_SERVICE_PREDICTION_SERVICE_H_
