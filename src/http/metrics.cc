#include "http/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace heimdall::http {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Histogram;

// Handler times from a cached lookup (tens of microseconds) to a slow batch.
const Histogram::BucketBoundaries& DurationBuckets() {
  static const Histogram::BucketBoundaries buckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
      0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1.0};
  return buckets;
}

// The classes Server passes to on_reject (see server.h).
constexpr std::string_view kServerReasons[] = {
    "malformed request", "header too large",   "request target too long",
    "body too large",    "expectation failed", "unsupported version",
    "unknown path",      "method not allowed", "handler error"};

constexpr int kMaxStatus = 599;

// The series of one route. Counters per status code are found through the
// family once, then read from an array without locking.
class RouteSeries {
 public:
  RouteSeries(std::shared_ptr<prometheus::Registry> registry,
              Family<Counter>& requests, Family<Histogram>& durations,
              const std::string& method, const std::string& path)
      : registry_(std::move(registry)),
        requests_(requests),
        method_(method),
        path_(path),
        duration_(durations.Add({{"method", method}, {"path", path}},
                                DurationBuckets())) {
    // Resolved up front so that the common answer shows as a zero series.
    Requests(200);
  }

  void Record(int status, double seconds) {
    Requests(status).Increment();
    duration_.Observe(seconds);
  }

 private:
  Counter& Requests(int status) {
    // The router turns any status outside 200-599 into a 500.
    if (status < 200 || status > kMaxStatus) status = 500;
    std::atomic<Counter*>& slot = by_status_[static_cast<size_t>(status)];
    Counter* counter = slot.load(std::memory_order_acquire);
    if (counter == nullptr) {
      // Family::Add returns the same counter for the same labels, so two
      // threads racing here store the same pointer.
      counter = &requests_.Add({{"method", method_},
                                {"path", path_},
                                {"code", std::to_string(status)}});
      slot.store(counter, std::memory_order_release);
    }
    return *counter;
  }

  std::shared_ptr<prometheus::Registry> registry_;  // Owns the families.
  Family<Counter>& requests_;
  std::string method_;
  std::string path_;
  Histogram& duration_;
  std::array<std::atomic<Counter*>, kMaxStatus + 1> by_status_{};
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

struct HttpMetrics::State {
  std::shared_ptr<prometheus::Registry> registry;
  Family<Counter>* requests = nullptr;
  Family<Histogram>* durations = nullptr;
  Family<Counter>* errors = nullptr;
  std::vector<std::pair<std::string_view, Counter*>> server_reasons;
  std::mutex mutex;  // Guards other_reasons.
  std::map<std::string, Counter*, std::less<>> other_reasons;
};

Handler MetricsHandler(std::shared_ptr<prometheus::Registry> registry) {
  return [registry = std::move(registry)](const Request&) {
    Response response;
    response.body = prometheus::TextSerializer().Serialize(registry->Collect());
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return response;
  };
}

HttpMetrics::HttpMetrics(std::shared_ptr<State> state)
    : state_(std::move(state)) {}

Result<HttpMetrics> HttpMetrics::Create(
    std::shared_ptr<prometheus::Registry> registry) {
  auto state = std::make_shared<State>();
  state->registry = std::move(registry);
  // prometheus-cpp reports a name clash by throwing.
  try {
    state->requests = &prometheus::BuildCounter()
                           .Name("http_requests_total")
                           .Help("HTTP requests answered by a route, by code")
                           .Register(*state->registry);
    state->durations = &prometheus::BuildHistogram()
                            .Name("http_request_duration_seconds")
                            .Help("Time spent in the route's handler")
                            .Register(*state->registry);
    state->errors = &prometheus::BuildCounter()
                         .Name("http_request_errors_total")
                         .Help("Requests refused or failed, by reason")
                         .Register(*state->registry);
    for (std::string_view reason : kServerReasons) {
      state->server_reasons.emplace_back(
          reason, &state->errors->Add({{"reason", std::string(reason)}}));
    }
  } catch (const std::exception& e) {
    return MakeError("registering HTTP metrics: {}", e.what());
  }
  return HttpMetrics(std::move(state));
}

void HttpMetrics::Instrument(Router& router) const {
  router.Wrap([state = state_](const std::string& method,
                               const std::string& path,
                               Handler inner) -> Handler {
    auto series = std::make_shared<RouteSeries>(
        state->registry, *state->requests, *state->durations, method, path);
    return [series, inner = std::move(inner)](const Request& request) {
      auto start = std::chrono::steady_clock::now();
      try {
        Response response = inner(request);
        series->Record(response.status, SecondsSince(start));
        return response;
      } catch (...) {
        series->Record(500, SecondsSince(start));
        throw;  // The router turns it into the 500 answer.
      }
    };
  });
}

void HttpMetrics::CountRejection(std::string_view reason) const {
  for (const auto& [known, counter] : state_->server_reasons) {
    if (known == reason) {
      counter->Increment();
      return;
    }
  }

  std::lock_guard<std::mutex> lock(state_->mutex);
  auto it = state_->other_reasons.find(reason);
  if (it == state_->other_reasons.end()) {
    Counter* counter = &state_->errors->Add({{"reason", std::string(reason)}});
    it = state_->other_reasons.emplace(std::string(reason), counter).first;
  }
  it->second->Increment();
}

std::function<void(std::string_view)> HttpMetrics::RejectionCounter() const {
  return [metrics = *this](std::string_view reason) {
    metrics.CountRejection(reason);
  };
}

}  // namespace heimdall::http
