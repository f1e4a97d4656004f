#include "http/metrics.h"

#include <gtest/gtest.h>
#include <prometheus/gauge.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/test_socket.h"

namespace heimdall::http {
namespace {

Request MakeRequest(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

std::string Scrape(const std::shared_ptr<prometheus::Registry>& registry) {
  return MetricsHandler(registry)(Request()).body;
}

bool HasLine(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos ||
         text.rfind(line + "\n", 0) == 0;
}

class HttpMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = HttpMetrics::Create(registry_);
    ASSERT_TRUE(created.ok()) << created.error().message();
    metrics_ = std::make_unique<HttpMetrics>(*created);
  }

  std::shared_ptr<prometheus::Registry> registry_ =
      std::make_shared<prometheus::Registry>();
  std::unique_ptr<HttpMetrics> metrics_;
};

TEST_F(HttpMetricsTest, CountsAnswersByCodeAndTimesHandlers) {
  Router router;
  router.Handle("GET", "/ok",
                [](const Request&) { return Response::Json(200, "{}"); });
  router.Handle("POST", "/predict", [](const Request&) {
    return Response::JsonError(422, "missing field 'heart_rate'");
  });
  metrics_->Instrument(router);

  for (int i = 0; i < 3; ++i) router.Dispatch(MakeRequest("GET", "/ok"));
  router.Dispatch(MakeRequest("POST", "/predict"));
  router.Dispatch(MakeRequest("GET", "/unrouted"));

  std::string text = Scrape(registry_);
  EXPECT_TRUE(HasLine(
      text, R"(http_requests_total{code="200",method="GET",path="/ok"} 3)"))
      << text;
  EXPECT_TRUE(HasLine(
      text,
      R"(http_requests_total{code="422",method="POST",path="/predict"} 1)"));
  EXPECT_TRUE(HasLine(
      text,
      R"(http_requests_total{code="200",method="POST",path="/predict"} 0)"));
  EXPECT_TRUE(HasLine(
      text,
      R"(http_request_duration_seconds_count{method="GET",path="/ok"} 3)"));
  EXPECT_TRUE(HasLine(text, R"(http_request_duration_seconds_bucket{)"
                            R"(method="GET",path="/ok",le="+Inf"} 3)"))
      << text;
  EXPECT_EQ(text.find("/unrouted"), std::string::npos);
}

TEST_F(HttpMetricsTest, HistogramHasBucketsFrom50usTo1s) {
  Router router;
  router.Handle("GET", "/x",
                [](const Request&) { return Response::Json(200, "{}"); });
  metrics_->Instrument(router);
  std::string text = Scrape(registry_);
  EXPECT_NE(text.find(R"(le="5e-05")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(le="1")"), std::string::npos);
  EXPECT_NE(text.find(R"(le="+Inf")"), std::string::npos);
}

TEST_F(HttpMetricsTest, ThrowingHandlerCountsAs500) {
  Router router;
  router.Handle("GET", "/boom", [](const Request&) -> Response {
    throw std::runtime_error("boom");
  });
  metrics_->Instrument(router);
  EXPECT_EQ(router.Dispatch(MakeRequest("GET", "/boom")).status, 500);
  EXPECT_TRUE(HasLine(
      Scrape(registry_),
      R"(http_requests_total{code="500",method="GET",path="/boom"} 1)"));
}

TEST_F(HttpMetricsTest, CountsRejectionsByReason) {
  auto count = metrics_->RejectionCounter();
  count("body too large");
  count("bad json");
  count("bad json");
  std::string text = Scrape(registry_);
  EXPECT_TRUE(
      HasLine(text, R"(http_request_errors_total{reason="body too large"} 1)"));
  EXPECT_TRUE(
      HasLine(text, R"(http_request_errors_total{reason="bad json"} 2)"));
  EXPECT_TRUE(HasLine(
      text, R"(http_request_errors_total{reason="malformed request"} 0)"));
}

TEST_F(HttpMetricsTest, ConcurrentFirstUseOfACodeCountsEveryRequest) {
  Router router;
  router.Handle("GET", "/x",
                [](const Request&) { return Response::Json(201, "{}"); });
  metrics_->Instrument(router);
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        router.Dispatch(MakeRequest("GET", "/x"));
        metrics_->CountRejection(i % 2 ? "bad json" : "unknown path");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::string text = Scrape(registry_);
  EXPECT_TRUE(HasLine(
      text, R"(http_requests_total{code="201",method="GET",path="/x"} 80000)"))
      << text;
  EXPECT_TRUE(
      HasLine(text, R"(http_request_errors_total{reason="bad json"} 40000)"));
  EXPECT_TRUE(HasLine(
      text, R"(http_request_errors_total{reason="unknown path"} 40000)"));
}

TEST(HttpMetrics, NameClashIsAnError) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge().Name("http_requests_total").Register(*registry);
  auto metrics = HttpMetrics::Create(registry);
  ASSERT_FALSE(metrics.ok());
  EXPECT_NE(metrics.error().message().find("registering HTTP metrics"),
            std::string::npos);
}

TEST(HttpMetrics, ServesMetricsOverHttpWithServerRejections) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics = HttpMetrics::Create(registry);
  ASSERT_TRUE(metrics.ok());
  Router router;
  router.Handle("GET", "/metrics", MetricsHandler(registry));
  router.Handle("GET", "/ok",
                [](const Request&) { return Response::Json(200, "{}"); });
  metrics->Instrument(router);
  ServerOptions options;
  options.on_reject = metrics->RejectionCounter();
  auto server = Server::Start(options, std::move(router));
  ASSERT_TRUE(server.ok());

  testing::TestSocket socket((*server)->port());
  std::string get_ok = "GET /ok HTTP/1.1\r\nHost: t\r\n\r\n";
  std::string get_missing = "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n";
  std::string get_metrics = "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_TRUE(socket.Send(get_ok + get_ok + get_missing + get_metrics));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(socket.ReadResponse());
  auto scraped = socket.ReadResponse();
  ASSERT_TRUE(scraped);
  EXPECT_EQ(scraped->Header("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(
      HasLine(scraped->body,
              R"(http_requests_total{code="200",method="GET",path="/ok"} 2)"))
      << scraped->body;
  EXPECT_TRUE(HasLine(scraped->body,
                      R"(http_request_errors_total{reason="unknown path"} 1)"));
}

}  // namespace
}  // namespace heimdall::http
