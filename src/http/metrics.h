// Prometheus metrics for Heimdall's services, over prometheus-cpp core.
//
// A service owns one prometheus::Registry, adds its own metrics to it, and
// exposes it all with MetricsHandler at GET /metrics. HttpMetrics adds the
// standard HTTP series to the same registry:
//
//   http_requests_total{method,path,code}          counter
//   http_request_duration_seconds{method,path}     histogram of handler time,
//                                                  buckets 50 us .. 1 s
//   http_request_errors_total{reason}              counter
//
// `path` is always a registered route, never the raw request path, so a
// client cannot create series at will. Requests refused before reaching a
// route (malformed, too large, unknown path, wrong method) appear only in
// http_request_errors_total, under the server's on_reject class; services
// count their own refusals there too ("bad json", "missing field", ...).
//
// Typical wiring:
//   auto registry = std::make_shared<prometheus::Registry>();
//   auto metrics = HttpMetrics::Create(registry);   // check ok()
//   router.Handle("GET", "/metrics", MetricsHandler(registry));
//   metrics->Instrument(router);
//   options.on_reject = metrics->RejectionCounter();
#ifndef HEIMDALL_HTTP_METRICS_H_
#define HEIMDALL_HTTP_METRICS_H_

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "http/server.h"

namespace heimdall::http {

// Serves `registry` in the Prometheus text format (version 0.0.4). The
// handler shares ownership of the registry. Thread-safe.
Handler MetricsHandler(std::shared_ptr<prometheus::Registry> registry);

// The standard HTTP series of one service. A cheap, copyable handle: copies,
// instrumented routes and rejection callbacks share the same series and
// keep them (and the registry) alive. All methods are thread-safe.
class HttpMetrics {
 public:
  // Registers the three families in `registry`. Fails if the registry
  // already holds one of these names with another metric type.
  static Result<HttpMetrics> Create(
      std::shared_ptr<prometheus::Registry> registry);

  // Wraps every route registered in `router` so far, counting each answer
  // by status code and observing the handler's duration. The series of each
  // route are resolved here, once, so a request costs a few atomic adds and
  // no label lookup. A handler that throws is counted as a 500.
  void Instrument(Router& router) const;

  // Adds one to http_request_errors_total{reason}. `reason` must come from
  // a small fixed set (each one is a series kept forever), never from
  // request data. The server's reasons are resolved up front; another
  // reason takes a lock each time.
  void CountRejection(std::string_view reason) const;

  // CountRejection as a ServerOptions::on_reject callback.
  std::function<void(std::string_view)> RejectionCounter() const;

 private:
  struct State;
  explicit HttpMetrics(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace heimdall::http

#endif  // HEIMDALL_HTTP_METRICS_H_
