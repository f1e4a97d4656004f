#include "service/prediction_service.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/client.h"
#include "model/train.h"

namespace heimdall::service {
namespace {

using nlohmann::json;

model::Model BuiltinModel() {
  Result<model::Model> model =
      model::Train(model::BuiltinHealthySet(), model::TrainOptions{});
  EXPECT_TRUE(model.ok());
  return std::move(model).value();
}

http::Request Post(std::string path, std::string body,
                   std::string content_type = "application/json") {
  http::Request request;
  request.method = "POST";
  request.path = std::move(path);
  request.body = std::move(body);
  request.headers = {{"Content-Type", std::move(content_type)}};
  return request;
}

class PredictionServiceTest : public ::testing::Test {
 protected:
  PredictionServiceTest() : service_(BuiltinModel(), {.max_batch = 3}) {}

  json Body(const http::Response& response) {
    return json::parse(response.body);
  }

  PredictionService service_;
};

TEST_F(PredictionServiceTest, HealthyReadingScoresLowAndMatchesModel) {
  http::Response response = service_.Predict(Post(
      "/predict",
      R"({"heart_rate": 80, "oxygen_level": 99, "temperature": 37})"));
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = Body(response);
  const double decision = service_.model().Decision(std::vector{80.0, 99.0, 37.0});
  EXPECT_DOUBLE_EQ(body["decision"].get<double>(), decision);
  EXPECT_DOUBLE_EQ(body["failure_probability"].get<double>(),
                   1 / (1 + std::exp(decision)));
  EXPECT_LT(body["failure_probability"].get<double>(), 0.5);
  EXPECT_FALSE(body["anomaly"].get<bool>());
  ASSERT_EQ(body["explanation"].size(), 3u);
  EXPECT_EQ(body["explanation"][0]["feature"], "heart_rate");
  EXPECT_EQ(body["explanation"][0]["value"].get<double>(), 80.0);
}

TEST_F(PredictionServiceTest, AcuteReadingIsAnAnomalyNearTheCeiling) {
  http::Response response = service_.Predict(Post(
      "/predict",
      R"({"heart_rate": 150, "oxygen_level": 88, "temperature": 39.5})"));
  ASSERT_EQ(response.status, 200);
  const json body = Body(response);
  EXPECT_TRUE(body["anomaly"].get<bool>());
  EXPECT_GT(body["failure_probability"].get<double>(), 0.9);
  EXPECT_LE(body["failure_probability"].get<double>(), 0.999);
}

TEST_F(PredictionServiceTest, IgnoresExtraKeysLikeTheWholeTelemetryObject) {
  http::Response response = service_.Predict(Post(
      "/predict",
      R"({"heart_rate": 80, "oxygen_level": 99, "temperature": 37,
          "respiration_rate": 14, "astronaut_id": "A1", "fault": null})"));
  EXPECT_EQ(response.status, 200) << response.body;
}

TEST_F(PredictionServiceTest, RejectsBadInputNamingTheProblem) {
  struct Case {
    std::string body;
    std::string error;
  };
  const Case cases[] = {
      {"not json", "invalid JSON"},
      {"[1,2]", "object"},
      {R"({"oxygen_level": 99, "temperature": 37})",
       "missing field 'heart_rate'"},
      {R"({"heart_rate": "80", "oxygen_level": 99, "temperature": 37})",
       "field 'heart_rate' must be a number, got string"},
      {R"({"heart_rate": true, "oxygen_level": 99, "temperature": 37})",
       "got boolean"},
      {R"({"heart_rate": NaN, "oxygen_level": 99, "temperature": 37})",
       "invalid JSON"},
      {R"({"heart_rate": 1e999, "oxygen_level": 99, "temperature": 37})",
       "overflow"},
      {R"({"heart_rate": 80, "heart_rate": 81, "oxygen_level": 99,
           "temperature": 37})",
       "duplicate key 'heart_rate'"},
  };
  for (const Case& c : cases) {
    http::Response response = service_.Predict(Post("/predict", c.body));
    EXPECT_EQ(response.status, 400) << c.body;
    const std::string error = Body(response)["error"];
    EXPECT_NE(error.find(c.error), std::string::npos)
        << c.body << " -> " << error;
  }
}

TEST_F(PredictionServiceTest, RejectsWrongContentType) {
  http::Response response = service_.Predict(Post(
      "/predict", R"({"heart_rate": 80, "oxygen_level": 99, "temperature": 37})",
      "text/plain"));
  EXPECT_EQ(response.status, 415);
  EXPECT_NE(Body(response)["error"].get<std::string>().find("Content-Type"),
            std::string::npos);
}

TEST_F(PredictionServiceTest, BatchScoresInOrderAndMatchesSingle) {
  http::Response response = service_.PredictBatch(Post(
      "/predict/batch",
      R"({"readings": [{"heart_rate": 150, "oxygen_level": 88, "temperature": 39},
                       {"heart_rate": 80, "oxygen_level": 99, "temperature": 37}]})"));
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = Body(response);
  ASSERT_EQ(body["count"], 2);
  EXPECT_TRUE(body["results"][0]["anomaly"].get<bool>());
  EXPECT_FALSE(body["results"][1]["anomaly"].get<bool>());
  const double single = service_.model().Decision(std::vector{80.0, 99.0, 37.0});
  EXPECT_NEAR(body["results"][1]["decision"].get<double>(), single, 1e-12);
}

TEST_F(PredictionServiceTest, BatchNamesTheBadReadingAndEnforcesItsLimit) {
  http::Response bad = service_.PredictBatch(Post(
      "/predict/batch",
      R"({"readings": [{"heart_rate": 80, "oxygen_level": 99, "temperature": 37},
                       {"heart_rate": 80, "temperature": 37}]})"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad)["error"], "readings[1]: missing field 'oxygen_level'");

  http::Response not_array =
      service_.PredictBatch(Post("/predict/batch", R"({"readings": 5})"));
  EXPECT_EQ(not_array.status, 400);

  const std::string one =
      R"({"heart_rate": 80, "oxygen_level": 99, "temperature": 37})";
  http::Response too_many = service_.PredictBatch(Post(
      "/predict/batch",
      "{\"readings\": [" + one + "," + one + "," + one + "," + one + "]}"));
  EXPECT_EQ(too_many.status, 413);
}

TEST_F(PredictionServiceTest, MetricsCountPredictionsAndRejections) {
  http::Router router;
  service_.Register(router);
  (void)router.Dispatch(Post(
      "/predict", R"({"heart_rate": 80, "oxygen_level": 99, "temperature": 37})"));
  (void)router.Dispatch(Post("/predict", "{"));
  http::Request get;
  get.method = "GET";
  get.path = "/metrics";
  const std::string text = router.Dispatch(get).body;
  EXPECT_NE(text.find("heimdall_predictions_total 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("http_request_errors_total{reason=\"bad json\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(http_requests_total{code="200",method="POST",)"
                      R"(path="/predict"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(http_requests_total{code="400",method="POST",)"
                      R"(path="/predict"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("http_request_duration_seconds_bucket"),
            std::string::npos);
}

TEST_F(PredictionServiceTest, ServesTheEarlierContractOverHttp) {
  http::Router router;
  service_.Register(router);
  Result<std::unique_ptr<http::Server>> server =
      http::Server::Start(http::ServerOptions{}, std::move(router));
  ASSERT_TRUE(server.ok()) << server.error().message();
  const std::string base =
      "http://127.0.0.1:" + std::to_string((*server)->port());

  http::Client client;
  Result<http::ClientResponse> predict = client.PostJson(
      base + "/predict",
      R"({"heart_rate": 78.5, "oxygen_level": 98.7, "temperature": 36.9})",
      std::chrono::seconds(5));
  ASSERT_TRUE(predict.ok()) << predict.error().message();
  EXPECT_EQ(predict->status, 200);
  EXPECT_EQ(predict->content_type, "application/json");
  const json body = json::parse(predict->body);
  EXPECT_TRUE(body["failure_probability"].is_number_float());

  Result<http::ClientResponse> health =
      client.Get(base + "/healthz", std::chrono::seconds(5));
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  Result<http::ClientResponse> wrong_method =
      client.Get(base + "/predict", std::chrono::seconds(5));
  ASSERT_TRUE(wrong_method.ok());
  EXPECT_EQ(wrong_method->status, 405);
  Result<http::ClientResponse> unknown =
      client.Get(base + "/nope", std::chrono::seconds(5));
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404);
  EXPECT_TRUE(json::parse(unknown->body).contains("error"));
}

}  // namespace
}  // namespace heimdall::service
