#include "telemetry/http_poll_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "http/server.h"

namespace heimdall::telemetry {
namespace {

using std::chrono::milliseconds;

// A stand-in telemetry service whose next answer the test chooses.
class StubService {
 public:
  StubService() {
    http::Router router;
    router.Handle("GET", "/telemetry", [this](const http::Request&) {
      std::this_thread::sleep_for(milliseconds(delay_ms_.load()));
      std::lock_guard lock(mutex_);
      http::Response response;
      response.status = status_;
      response.body = body_;
      return response;
    });
    server_ = http::Server::Start({}, std::move(router)).value();
  }

  void Answer(int status, std::string body) {
    std::lock_guard lock(mutex_);
    status_ = status;
    body_ = std::move(body);
  }
  void Delay(int ms) { delay_ms_ = ms; }
  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/telemetry";
  }
  void Stop() { server_->Stop(); }

 private:
  std::mutex mutex_;
  int status_ = 200;
  std::string body_;
  std::atomic<int> delay_ms_{0};
  std::unique_ptr<http::Server> server_;
};

HttpPollOptions Options(const std::string& url,
                        std::vector<std::string> values = {}) {
  HttpPollOptions options;
  options.url = url;
  options.timeout = milliseconds(2000);
  options.values = std::move(values);
  return options;
}

TEST(HttpPollSource, ReadsTheEarlierFlaskBody) {
  StubService stub;
  stub.Answer(200, R"({"heart_rate": 75, "oxygen_level": 98.5,
                       "temperature": 36.9})");
  HttpPollSource source(
      Options(stub.Url(), {"heart_rate", "oxygen_level", "temperature"}));
  const Sample first = source.Next().value().value();
  EXPECT_EQ(first.Get("heart_rate"), 75);
  EXPECT_EQ(first.Get("temperature"), 36.9);
  EXPECT_FALSE(first.truth.has_value());
  EXPECT_GE(first.time, 0.0);  // Seconds since the first poll.
  const Sample second = source.Next().value().value();
  EXPECT_GE(second.time, first.time);
  EXPECT_EQ(second.schema, first.schema);  // Reused, not rebuilt.
}

TEST(HttpPollSource, TakesTimeAndNullsFromTheBody) {
  StubService stub;
  stub.Answer(200, R"({"value": null, "time": 12.5, "series": "s"})");
  HttpPollSource source(Options(stub.Url()));
  const Sample sample = source.Next().value().value();
  EXPECT_EQ(sample.time, 12.5);
  ASSERT_EQ(sample.size(), 1u);
  EXPECT_TRUE(IsMissing(sample.values[0]));
  EXPECT_EQ(sample.schema->subject, "s");

  stub.Answer(200, R"({"value": 1, "time": 3})");  // Time went backwards.
  EXPECT_EQ(source.Next().value().value().time, 12.5);
}

TEST(HttpPollSource, GoneMeansTheEnd) {
  StubService stub;
  stub.Answer(410, R"({"error": "ended", "end": true})");
  HttpPollSource source(Options(stub.Url()));
  EXPECT_FALSE(source.Next().value().has_value());
}

TEST(HttpPollSource, OtherStatusesAndBadBodiesAreErrors) {
  StubService stub;
  HttpPollSource source(Options(stub.Url(), {"heart_rate"}));
  stub.Answer(503, R"({"error": "crashed"})");
  Result<std::optional<Sample>> next = source.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.error().message().find("503"), std::string::npos);
  EXPECT_NE(next.error().message().find("crashed"), std::string::npos);

  stub.Answer(200, "not json");
  ASSERT_FALSE(source.Next().ok());
  stub.Answer(200, R"({"oxygen_level": 98})");
  next = source.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.error().message().find("missing 'heart_rate'"),
            std::string::npos);
}

TEST(HttpPollSource, SilenceAndRefusalAreUnresponsive) {
  StubService stub;
  stub.Answer(200, R"({"heart_rate": 75})");
  stub.Delay(500);
  HttpPollOptions options = Options(stub.Url());
  options.timeout = milliseconds(100);
  HttpPollSource slow(options);
  Result<std::optional<Sample>> next = slow.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.error().message().find(stub.Url()), std::string::npos);

  const std::string url = stub.Url();
  stub.Stop();
  HttpPollSource refused(Options(url));
  EXPECT_FALSE(refused.Next().ok());
}

}  // namespace
}  // namespace heimdall::telemetry
