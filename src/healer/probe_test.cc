#include "healer/probe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "http/server.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

// A fake generation in process: a simulator and a predictor whose answers
// the test sets.
class FakeTarget {
 public:
  FakeTarget() {
    http::Router router;
    router.Handle("GET", "/telemetry", [this](const http::Request&) {
      std::lock_guard lock(mutex_);
      if (telemetry_delay_ > 0ms) std::this_thread::sleep_for(telemetry_delay_);
      return http::Response::Json(telemetry_status_, telemetry_body_);
    });
    router.Handle("POST", "/predict", [this](const http::Request& request) {
      std::lock_guard lock(mutex_);
      last_predict_body_ = request.body;
      return http::Response::Json(predict_status_, predict_body_);
    });
    http::ServerOptions options;
    options.threads = 1;
    server_ =
        std::move(http::Server::Start(options, std::move(router)).value());
    deployment_.simulator_url =
        fmt::format("http://127.0.0.1:{}", server_->port());
    deployment_.predictor_url = deployment_.simulator_url;
  }

  void SetTelemetry(int status, std::string body, Duration delay = 0ms) {
    std::lock_guard lock(mutex_);
    telemetry_status_ = status;
    telemetry_body_ = std::move(body);
    telemetry_delay_ = delay;
  }
  void SetPrediction(int status, std::string body) {
    std::lock_guard lock(mutex_);
    predict_status_ = status;
    predict_body_ = std::move(body);
  }
  std::string last_predict_body() {
    std::lock_guard lock(mutex_);
    return last_predict_body_;
  }
  const Deployment& deployment() const { return deployment_; }

 private:
  std::mutex mutex_;
  int telemetry_status_ = 200;
  std::string telemetry_body_ =
      R"({"heart_rate": 80, "oxygen_level": 98.5, "temperature": 36.9})";
  Duration telemetry_delay_{0};
  int predict_status_ = 200;
  std::string predict_body_ = R"({"failure_probability": 0.12})";
  std::string last_predict_body_;
  std::unique_ptr<http::Server> server_;
  Deployment deployment_;
};

const TimePoint kNow = TimePoint(Duration(1'700'000'000'000));

TEST(HttpProbe, ReadsTelemetryAndScoresIt) {
  FakeTarget target;
  HttpProbe probe;
  const Reading reading = probe.Poll(target.deployment(), kNow);
  EXPECT_TRUE(reading.responsive);
  ASSERT_TRUE(reading.probability.has_value()) << reading.error;
  EXPECT_DOUBLE_EQ(*reading.probability, 0.12);
  EXPECT_EQ(reading.values["heart_rate"], 80.0);
  EXPECT_EQ(reading.time, kNow);
  const nlohmann::json sent = nlohmann::json::parse(target.last_predict_body());
  EXPECT_EQ(sent["oxygen_level"], 98.5);
  EXPECT_EQ(reading.ToJson()["probability"], 0.12);
  EXPECT_FALSE(reading.ToJson().contains("timestamp"));
}

TEST(HttpProbe, KeepsTheSourcesOwnTimestamp) {
  FakeTarget target;
  target.SetTelemetry(
      200, R"({"value": 52.4, "timestamp": "2013-12-10T04:10:00Z"})");
  HttpProbe probe;
  const Reading reading = probe.Poll(target.deployment(), kNow);
  EXPECT_EQ(reading.timestamp, "2013-12-10T04:10:00Z");
  EXPECT_EQ(reading.ToJson()["timestamp"], "2013-12-10T04:10:00Z");
  EXPECT_EQ(reading.values["value"], 52.4);
}

TEST(HttpProbe, ASilentSimulatorIsUnresponsive) {
  FakeTarget target;
  target.SetTelemetry(200, "{}", 800ms);
  HttpProbe probe({200ms, 200ms});
  const Reading reading = probe.Poll(target.deployment(), kNow);
  EXPECT_FALSE(reading.responsive);
  EXPECT_FALSE(reading.probability.has_value());
  EXPECT_NE(reading.error.find("/telemetry"), std::string::npos)
      << reading.error;
}

TEST(HttpProbe, NothingListeningIsUnresponsive) {
  Deployment gone;
  gone.simulator_url = "http://127.0.0.1:1";
  gone.predictor_url = "http://127.0.0.1:1";
  HttpProbe probe({200ms, 200ms});
  const Reading reading = probe.Poll(gone, kNow);
  EXPECT_FALSE(reading.responsive);
  EXPECT_FALSE(reading.error.empty());
}

TEST(HttpProbe, AServerErrorFromThePredictorIsUnresponsive) {
  FakeTarget target;
  target.SetPrediction(503, R"({"error": "overloaded"})");
  HttpProbe probe;
  const Reading reading = probe.Poll(target.deployment(), kNow);
  EXPECT_FALSE(reading.responsive);
  EXPECT_NE(reading.error.find("503"), std::string::npos);
}

TEST(HttpProbe, AReadingThePredictorRefusesHasNoProbability) {
  FakeTarget target;
  target.SetTelemetry(
      200, R"({"heart_rate": null, "oxygen_level": 98, "temperature": 37})");
  target.SetPrediction(400,
                       R"({"error": "field 'heart_rate' must be a number"})");
  HttpProbe probe;
  const Reading reading = probe.Poll(target.deployment(), kNow);
  EXPECT_TRUE(reading.responsive);
  EXPECT_FALSE(reading.probability.has_value());
  EXPECT_TRUE(reading.values["heart_rate"].is_null());
  EXPECT_NE(reading.error.find("heart_rate"), std::string::npos);
}

TEST(HttpProbe, AMissingOrNonNumericProbabilityIsNeverHealthy) {
  for (const char* body :
       {R"({"failure_probability": "low"})", R"({"probability": 0.1})",
        R"({"failure_probability": null})", "[0.1]", "not json"}) {
    FakeTarget target;
    target.SetPrediction(200, body);
    HttpProbe probe;
    const Reading reading = probe.Poll(target.deployment(), kNow);
    EXPECT_TRUE(reading.responsive) << body;
    EXPECT_FALSE(reading.probability.has_value()) << body;
    EXPECT_FALSE(reading.error.empty()) << body;
  }
}

TEST(HttpProbe, AnEndedReplayIsReported) {
  FakeTarget target;
  target.SetTelemetry(410, R"({"end": true})");
  HttpProbe probe;
  const Reading reading = probe.Poll(target.deployment(), kNow);
  EXPECT_TRUE(reading.ended);
  EXPECT_FALSE(reading.probability.has_value());
}

Scoring ScoringOf(std::vector<std::string> parts) {
  detect::DetectorSpec spec;
  spec.parts = std::move(parts);
  Result<Scoring> scoring = MakeScoring(spec);
  EXPECT_TRUE(scoring.ok()) << scoring.error().message();
  return std::move(*scoring);
}

// Vitals that never change, at source time `t`: a stuck sensor after 60 s.
std::string StuckAt(int t) {
  return fmt::format(R"({{"time": {}, "heart_rate": 80, "oxygen_level": 98.5, )"
                     R"("temperature": 36.9}})",
                     t);
}

TEST(HttpProbe, LocalScorersDecideAndThePredictorsAnswerIsKept) {
  FakeTarget target;
  HttpProbe probe({}, ScoringOf({"frozen"}));
  for (int t = 0; t < 60; t += 10) {
    target.SetTelemetry(200, StuckAt(t));
    const Reading reading = probe.Poll(target.deployment(), kNow);
    ASSERT_TRUE(reading.probability.has_value()) << reading.error;
    EXPECT_EQ(*reading.probability, 0.0) << t;
    EXPECT_EQ(reading.model_probability, 0.12);
  }
  target.SetTelemetry(200, StuckAt(60));
  const Reading stuck = probe.Poll(target.deployment(), kNow);
  EXPECT_EQ(stuck.probability, 1.0);
  EXPECT_EQ(stuck.ToJson()["model_probability"], 0.12);
}

TEST(HttpProbe, WithTheModelAsAPartTheLargerProbabilityCounts) {
  FakeTarget target;
  HttpProbe probe({}, ScoringOf({"model", "frozen"}));
  target.SetTelemetry(200, StuckAt(0));
  EXPECT_EQ(probe.Poll(target.deployment(), kNow).probability, 0.12);
  target.SetTelemetry(200, StuckAt(61));
  EXPECT_EQ(probe.Poll(target.deployment(), kNow).probability, 1.0);
}

TEST(HttpProbe, ARefusingPredictorMattersOnlyWhenItIsAPart) {
  FakeTarget target;
  target.SetPrediction(400, R"({"error": "missing oxygen_level"})");
  HttpProbe with_model({}, ScoringOf({"model", "frozen"}));
  const Reading refused = with_model.Poll(target.deployment(), kNow);
  EXPECT_TRUE(refused.responsive);
  EXPECT_FALSE(refused.probability.has_value());
  EXPECT_NE(refused.error.find("400"), std::string::npos) << refused.error;

  HttpProbe without_model({}, ScoringOf({"frozen"}));
  const Reading scored = without_model.Poll(target.deployment(), kNow);
  EXPECT_EQ(scored.probability, 0.0);
  EXPECT_FALSE(scored.model_probability.has_value());
  EXPECT_TRUE(scored.error.empty()) << scored.error;

  // A predictor that fails makes the generation unresponsive, whatever the
  // scoring.
  target.SetPrediction(503, R"({"error": "overloaded"})");
  const Reading failed = without_model.Poll(target.deployment(), kNow);
  EXPECT_FALSE(failed.responsive);
  EXPECT_FALSE(failed.probability.has_value());
}

TEST(HttpProbe, NothingToScoreLocallyIsNoProbability) {
  FakeTarget target;
  target.SetTelemetry(
      200,
      R"({"heart_rate": null, "oxygen_level": null, "temperature": null})");
  HttpProbe probe({}, ScoringOf({"trend", "frozen"}));
  const Reading reading = probe.Poll(target.deployment(), kNow);
  EXPECT_TRUE(reading.responsive);
  EXPECT_FALSE(reading.probability.has_value());
  EXPECT_NE(reading.error.find("no value the detector can score"),
            std::string::npos)
      << reading.error;
}

TEST(HttpProbe, ANewGenerationStartsWithFreshScorers) {
  FakeTarget target;
  HttpProbe probe({}, ScoringOf({"frozen"}));
  Deployment first = target.deployment();
  first.generation_id = 1;
  target.SetTelemetry(200, StuckAt(0));
  (void)probe.Poll(first, kNow);
  target.SetTelemetry(200, StuckAt(61));
  EXPECT_EQ(probe.Poll(first, kNow).probability, 1.0);

  Deployment second = first;
  second.generation_id = 2;
  target.SetTelemetry(200, StuckAt(62));
  EXPECT_EQ(probe.Poll(second, kNow).probability, 0.0);
}

TEST(HttpProbe, ScorersCanGoOnAcrossGenerations) {
  FakeTarget target;
  detect::DetectorSpec spec;
  spec.parts = {"frozen"};
  spec.restart_with_generation = false;
  HttpProbe probe({}, std::move(MakeScoring(spec).value()));
  Deployment first = target.deployment();
  first.generation_id = 1;
  target.SetTelemetry(200, StuckAt(0));
  EXPECT_EQ(probe.Poll(first, kNow).probability, 0.0);

  // The rebuilt target's sensor is still stuck: the minute counts on.
  Deployment second = first;
  second.generation_id = 2;
  target.SetTelemetry(200, StuckAt(61));
  EXPECT_EQ(probe.Poll(second, kNow).probability, 1.0);
}

TEST(MakeScoring, RefusesAnUnknownPart) {
  detect::DetectorSpec spec;
  spec.parts = {"model", "crystal_ball"};
  Result<Scoring> scoring = MakeScoring(spec);
  ASSERT_FALSE(scoring.ok());
  EXPECT_NE(scoring.error().message().find("crystal_ball"), std::string::npos);
}

}  // namespace
}  // namespace heimdall::healer
