// The http layer's own throughput ceiling: a stand-in prediction service
// that does everything `heimdall serve` does per request except scoring.
// POST /predict parses the body strictly, reads the three vitals, and
// answers {"failure_probability": p} through the instrumented router, with
// rejections counted and logged as a service would.
//
// Not built by CMake (it is a measuring tool, not part of the product).
// From the repository root, after building into build/, run as one line:
//   g++ -std=c++20 -O2 -Isrc bench/http_bench_server.cc
//       build/libheimdall_http.a build/libheimdall_common.a
//       -lprometheus-cpp-core -lcurl -lhttp_parser -lspdlog -lfmt -pthread
//       -o /tmp/http_bench_server
//   /tmp/http_bench_server PORT [THREADS] [raw]
// "raw" answers a constant body without parsing, to separate the server's
// cost from JSON's. Stops on SIGINT or SIGTERM.
#include <prometheus/registry.h>
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "http/json.h"
#include "http/metrics.h"
#include "http/rate_limited_log.h"
#include "http/server.h"

namespace {

using heimdall::http::Request;
using heimdall::http::Response;

Response Predict(const Request& request) {
  if (!heimdall::http::IsJsonContentType(request.Header("Content-Type"))) {
    return Response::JsonError(415, "expected application/json");
  }
  auto body = heimdall::http::ParseJsonObject(request.body);
  if (!body.ok()) return Response::JsonError(400, body.error().message());
  double sum = 0;
  for (std::string_view field : {"heart_rate", "oxygen_level", "temperature"}) {
    auto value = heimdall::http::RequireNumber(*body, field);
    if (!value.ok()) return Response::JsonError(422, value.error().message());
    sum += *value;
  }
  double probability = sum > 1e6 ? 0.999 : 0.01;
  return heimdall::http::JsonResponse(
      200, nlohmann::json{{"failure_probability", probability}});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [THREADS] [raw]\n", argv[0]);
    return 2;
  }
  heimdall::http::ServerOptions options;
  options.port = static_cast<uint16_t>(std::atoi(argv[1]));
  options.threads = argc > 2 ? std::atoi(argv[2]) : 2;
  bool raw = argc > 3 && std::string_view(argv[3]) == "raw";

  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics = heimdall::http::HttpMetrics::Create(registry);
  if (!metrics.ok()) {
    std::fprintf(stderr, "%s\n", metrics.error().message().c_str());
    return 1;
  }
  heimdall::http::Router router;
  if (raw) {
    router.Handle("POST", "/predict", [](const Request&) {
      return Response::Json(200, R"({"failure_probability":0.01})");
    });
  } else {
    router.Handle("POST", "/predict", &Predict);
  }
  router.Handle("GET", "/metrics", heimdall::http::MetricsHandler(registry));
  metrics->Instrument(router);
  heimdall::http::RateLimitedLog log;
  options.on_reject = [counter = metrics->RejectionCounter(),
                       logger = log.RejectionLogger()](std::string_view why) {
    counter(why);
    logger(why);
  };

  // Signals are taken synchronously below, so the workers must block them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = heimdall::http::Server::Start(options, std::move(router));
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.error().message().c_str());
    return 1;
  }
  int signal = 0;
  sigwait(&signals, &signal);
  (*server)->Stop();
  return 0;
}
