#include "healer/control_api.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "healer/test_fakes.h"
#include "http/event_stream.h"
#include "store/sqlite_store.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;
using testing::FakeProbe;
using testing::FakeProvider;
using testing::Mode;

class ControlApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-api-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_ = std::move(store::SqliteStore::Open(dir_ / "h.db").value());
    options_.policy.grace = 0s;
    options_.policy.cooldown = 0s;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ControlApi& Api(std::string token = "", http::EventHub* events = nullptr) {
    controller_ = std::make_unique<Controller>(options_, *store_, provider_,
                                               probe_, clock_);
    EXPECT_TRUE(controller_->Start().ok());
    ControlApiOptions options;
    options.token = std::move(token);
    options.forward_timeout = 1s;
    options.events = events;
    api_ = std::make_unique<ControlApi>(*controller_, *store_, options);
    return *api_;
  }
  void Step() {
    clock_.Advance(1s);
    ASSERT_TRUE(controller_->Step().ok());
  }

  static http::Request Post(std::string path, std::string body = "",
                            std::string token = "") {
    http::Request request;
    request.method = "POST";
    request.path = std::move(path);
    request.body = std::move(body);
    if (!token.empty()) {
      request.headers.emplace_back("Authorization", "Bearer " + token);
    }
    return request;
  }
  static http::Request Get(std::string path, std::string query = "") {
    http::Request request;
    request.method = "GET";
    request.path = std::move(path);
    request.query = std::move(query);
    return request;
  }
  static nlohmann::json Body(const http::Response& response) {
    return nlohmann::json::parse(response.body);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::SqliteStore> store_;
  ControllerOptions options_;
  FakeProvider provider_;
  FakeProbe probe_;
  FakeClock clock_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<ControlApi> api_;
};

TEST_F(ControlApiTest, StateShowsTheLiveGeneration) {
  ControlApi& api = Api();
  Step();
  const http::Response response = api.State(Get("/api/state"));
  ASSERT_EQ(response.status, 200);
  const nlohmann::json state = Body(response);
  EXPECT_EQ(state["phase"], "watching");
  EXPECT_EQ(state["generation"]["generation_id"], 1);
  EXPECT_EQ(state["last_reading"]["probability"], 0.1);
  EXPECT_EQ(state["paused"], false);
}

TEST_F(ControlApiTest, ForcedHealShowsUpInIncidentsGenerationsAndHeals) {
  ControlApi& api = Api();
  EXPECT_EQ(api.Heal(Post("/api/heal")).status, 202);
  Step();
  const nlohmann::json incidents = Body(api.Incidents(Get("/api/incidents")));
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0]["reason"], "forced");
  const nlohmann::json generations =
      Body(api.Generations(Get("/api/generations")));
  ASSERT_EQ(generations.size(), 2u);
  EXPECT_EQ(generations[0]["status"], "live");
  EXPECT_EQ(generations[1]["status"], "stopped");
  EXPECT_EQ(generations[1]["archive"]["archived"], 1);
  const nlohmann::json heals = Body(api.Heals(Get("/api/heals")));
  ASSERT_EQ(heals.size(), 1u);
  EXPECT_EQ(heals[0]["outcome"], "ok");
  EXPECT_TRUE(heals[0]["duration_ms"].is_number());
}

TEST_F(ControlApiTest, LimitIsCheckedAndApplied) {
  ControlApi& api = Api();
  for (int i = 0; i < 3; ++i) {
    api.Heal(Post("/api/heal"));
    Step();
  }
  EXPECT_EQ(Body(api.Generations(Get("/api/generations", "limit=2"))).size(),
            2u);
  for (const char* bad : {"limit=0", "limit=abc", "limit=1001", "limit=-1"}) {
    const http::Response response =
        api.Generations(Get("/api/generations", bad));
    EXPECT_EQ(response.status, 400) << bad;
    EXPECT_NE(Body(response)["error"].get<std::string>().find("limit"),
              std::string::npos);
  }
}

TEST_F(ControlApiTest, PauseResumeAndBreakerResetAreApplied) {
  ControlApi& api = Api();
  EXPECT_EQ(api.Pause(Post("/api/pause")).status, 202);
  Step();
  EXPECT_EQ(Body(api.State(Get("/api/state")))["paused"], true);
  EXPECT_EQ(api.Resume(Post("/api/resume")).status, 202);
  Step();
  EXPECT_EQ(Body(api.State(Get("/api/state")))["paused"], false);
  EXPECT_EQ(api.ResetBreaker(Post("/api/breaker/reset")).status, 202);
  Step();
  EXPECT_EQ(Body(api.State(Get("/api/state")))["breaker_open"], false);
}

TEST_F(ControlApiTest, ATokenProtectsEveryPost) {
  ControlApi& api = Api("s3cret");
  using Handler = http::Response (ControlApi::*)(const http::Request&);
  for (Handler handler : {&ControlApi::Heal, &ControlApi::Pause,
                          &ControlApi::Resume, &ControlApi::ResetBreaker,
                          &ControlApi::Faults, &ControlApi::ClearFaults}) {
    for (const char* token : {"", "wrong", "s3cre", "s3cret!"}) {
      const http::Response response =
          (api.*handler)(Post("/api/x", "{}", token));
      EXPECT_EQ(response.status, 401) << token;
    }
  }
  EXPECT_EQ(api.Pause(Post("/api/pause", "", "s3cret")).status, 202);
  EXPECT_EQ(api.State(Get("/api/state")).status, 200);  // Reads stay open.
  // The scheme's name has no case; the token has, and another scheme fails.
  const auto with = [&](std::string authorization) {
    http::Request request = Post("/api/pause");
    request.headers.emplace_back("Authorization", std::move(authorization));
    return api.Pause(request).status;
  };
  EXPECT_EQ(with("bearer s3cret"), 202);
  EXPECT_EQ(with("BEARER s3cret"), 202);
  EXPECT_EQ(with("Bearer S3CRET"), 401);
  EXPECT_EQ(with("Basic s3cret"), 401);
  EXPECT_EQ(with("Bearer"), 401);
  EXPECT_EQ(with("Bearers3cret"), 401);
  Step();
  EXPECT_EQ(Body(api.State(Get("/api/state")))["paused"], true);
}

TEST_F(ControlApiTest, FaultsAreForwardedToTheLiveSimulator) {
  std::string received;
  std::string authorization;
  http::Router router;
  router.Handle("POST", "/faults", [&](const http::Request& request) {
    received = request.body;
    authorization = std::string(request.Header("Authorization"));
    return http::Response::Json(200, R"({"fault": {"kind": "fever"}})");
  });
  router.Handle("GET", "/telemetry", [](const http::Request&) {
    return http::Response::Json(200, "{}");
  });
  http::ServerOptions server_options;
  server_options.threads = 1;
  auto simulator =
      std::move(http::Server::Start(server_options, std::move(router)).value());
  provider_.simulator_url =
      fmt::format("http://127.0.0.1:{}", simulator->port());

  ControlApi& api = Api("tok");
  const http::Response response =
      api.Faults(Post("/api/faults", R"({"kind": "fever"})", "tok"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Body(response)["fault"]["kind"], "fever");
  EXPECT_EQ(received, R"({"kind": "fever"})");
  // The simulator may want the same token (inherited HEIMDALL_TOKEN).
  EXPECT_EQ(authorization, "Bearer tok");
}

TEST_F(ControlApiTest, FaultsWithoutALiveGenerationConflict) {
  provider_.failing_builds = 1;
  ControlApi& api = Api();
  EXPECT_EQ(api.Faults(Post("/api/faults", "{}")).status, 409);
}

TEST_F(ControlApiTest, FaultsDuringAHealConflictAndTheStateShowsTheHeal) {
  // What the API answers at each phase of a heal, seen from the phase hook
  // (the loop thread, outside the controller's lock).
  struct Seen {
    std::string phase;
    int faults_status;
    std::string faults_error;
    int clear_status;
    nlohmann::json state;
  };
  std::vector<Seen> seen;
  options_.after_heal_phase = [&](std::string_view phase) {
    const http::Response faults = api_->Faults(Post("/api/faults", "{}"));
    seen.push_back({std::string(phase), faults.status,
                    Body(faults).value("error", ""),
                    api_->ClearFaults(Post("/api/faults")).status,
                    Body(api_->State(Get("/api/state")))});
  };
  provider_.simulator_url = "http://127.0.0.1:1";  // Nothing answers.
  ControlApi& api = Api();
  Step();
  api.Heal(Post("/api/heal"));
  Step();

  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].phase, "archiving");
  EXPECT_EQ(seen[0].faults_status, 409);
  EXPECT_EQ(seen[0].faults_error,
            "generation 1 is being healed; send POST /faults again once its "
            "successor is live");
  EXPECT_EQ(seen[0].clear_status, 409);
  EXPECT_EQ(seen[0].state["phase"], "healing");
  EXPECT_EQ(seen[0].state["generation"]["generation_id"], 1);
  EXPECT_EQ(seen[1].phase, "destroying");
  EXPECT_EQ(seen[1].faults_status, 409);
  // Destroyed, its successor not yet built: nothing to send faults to.
  EXPECT_EQ(seen[2].phase, "building");
  EXPECT_EQ(seen[2].faults_status, 409);
  EXPECT_EQ(seen[2].faults_error, "no live generation to send POST /faults to");
  EXPECT_EQ(seen[2].state["phase"], "healing");
  EXPECT_TRUE(seen[2].state["generation"].is_null());
  // Once the heal is over, faults go to the new generation's simulator
  // again (none answers here: a bad gateway, no longer a conflict).
  EXPECT_EQ(Body(api.State(Get("/api/state")))["phase"], "watching");
  EXPECT_EQ(api.Faults(Post("/api/faults", "{}")).status, 502);
}

TEST_F(ControlApiTest, AnUnreachableSimulatorIsABadGateway) {
  provider_.simulator_url = "http://127.0.0.1:1";
  ControlApi& api = Api();
  EXPECT_EQ(api.Faults(Post("/api/faults", "{}")).status, 502);
}

// Alertmanager's webhook body with one alert per (status, labels).
std::string Webhook(
    const std::vector<std::pair<std::string, nlohmann::json>>& alerts) {
  nlohmann::json body = {{"version", "4"},
                         {"groupKey", "{}:{alertname=\"TargetDown\"}"},
                         {"status", "firing"},
                         {"receiver", "heimdall"},
                         {"alerts", nlohmann::json::array()}};
  for (const auto& [status, labels] : alerts) {
    body["alerts"].push_back({{"status", status},
                              {"labels", labels},
                              {"annotations", {{"summary", "down"}}},
                              {"startsAt", "2026-12-04T19:00:00Z"}});
  }
  return body.dump();
}

TEST_F(ControlApiTest, AMatchingFiringAlertHealsWithReasonAlert) {
  Api();
  std::vector<std::string> results;
  ControlApiOptions options;
  options.heal_on = {{"alertname", "TargetDown"}, {"job", "vitals"}};
  options.on_alert_result = [&](std::string_view r) {
    results.emplace_back(r);
  };
  ControlApi api(*controller_, *store_, options);

  const http::Response response = api.AlertmanagerWebhook(Post(
      "/api/alertmanager",
      Webhook(
          {{"firing",
            {{"alertname", "TargetDown"}, {"job", "vitals"}, {"i", "1"}}},
           {"resolved", {{"alertname", "TargetDown"}, {"job", "vitals"}}},
           {"firing", {{"alertname", "TargetDown"}, {"job", "other"}}},
           {"firing", {{"alertname", "HighLatency"}, {"job", "vitals"}}}})));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Body(response)["alerts"], 4);
  EXPECT_EQ(Body(response)["matched"], 1);
  EXPECT_EQ(Body(response)["heal_requested"], true);
  EXPECT_EQ(results, (std::vector<std::string>{"matched", "ignored", "ignored",
                                               "ignored"}));
  Step();
  const std::vector<store::Incident> incidents =
      store_->ListIncidents("default", 10).value();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].reason, "alert");
  EXPECT_NE(incidents[0].detail.find("TargetDown{i=\"1\",job=\"vitals\"}"),
            std::string::npos)
      << incidents[0].detail;
  EXPECT_EQ(provider_.Count("destroy 1"), 1u);
}

TEST_F(ControlApiTest, ResolvedOrUnmatchedAlertsHealNothing) {
  Api();
  ControlApiOptions options;
  options.heal_on = {{"alertname", "TargetDown"}};
  ControlApi api(*controller_, *store_, options);
  const http::Response response = api.AlertmanagerWebhook(Post(
      "/api/alertmanager", Webhook({{"resolved", {{"alertname", "TargetDown"}}},
                                    {"firing", {{"alertname", "targetdown"}}},
                                    {"firing", {{"severity", "critical"}}}})));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(Body(response)["matched"], 0);
  EXPECT_EQ(Body(response)["heal_requested"], false);
  Step();
  EXPECT_TRUE(store_->ListIncidents("default", 10).value().empty());
  EXPECT_EQ(provider_.Count("destroy 1"), 0u);
}

TEST_F(ControlApiTest, BadWebhookBodiesAreRefusedNamingTheField) {
  ControlApi& api = Api();
  struct Case {
    std::string body;
    const char* error;
  };
  const Case cases[] = {
      {"{not json", "not JSON"},
      {"[]", "not a JSON object"},
      {R"({"alerts": []})", "version"},
      {R"({"version": "3", "alerts": []})", "version"},
      {R"({"version": "4"})", "alerts: missing"},
      {R"({"version": "4", "alerts": {}})", "alerts: missing or not an array"},
      {R"({"version": "4", "alerts": [{"labels": {}}]})", "alerts[0].status"},
      {R"({"version": "4", "alerts": [{"status": "pending", "labels": {}}]})",
       "alerts[0].status"},
      {R"({"version": "4", "alerts": [{"status": "firing"}]})",
       "alerts[0].labels: missing"},
      {R"({"version": "4", "alerts": [{"status": "firing", "labels": []}]})",
       "alerts[0].labels: not an object"},
      {R"({"version": "4", "alerts": [{"status": "firing", "labels": {"a": 1}}]})",
       "alerts[0].labels.a: not a string"},
  };
  for (const Case& c : cases) {
    const http::Response response =
        api.AlertmanagerWebhook(Post("/api/alertmanager", c.body));
    EXPECT_EQ(response.status, 400) << c.body;
    EXPECT_NE(Body(response)["error"].get<std::string>().find(c.error),
              std::string::npos)
        << c.body << " -> " << response.body;
  }
}

TEST_F(ControlApiTest, TheWebhookNeedsTheToken) {
  Api();
  ControlApiOptions options;
  options.token = "s3cret";
  options.heal_on = {{"alertname", "TargetDown"}};
  ControlApi api(*controller_, *store_, options);
  const std::string body = Webhook({{"firing", {{"alertname", "TargetDown"}}}});
  EXPECT_EQ(api.AlertmanagerWebhook(Post("/api/alertmanager", body)).status,
            401);
  EXPECT_EQ(
      api.AlertmanagerWebhook(Post("/api/alertmanager", body, "wrong")).status,
      401);
  EXPECT_EQ(
      api.AlertmanagerWebhook(Post("/api/alertmanager", body, "s3cret")).status,
      200);
}

TEST_F(ControlApiTest, StateCarriesThePolicyTheDashboardDraws) {
  options_.policy.threshold = 0.8;
  options_.policy.sustained_count = 3;
  options_.interval = 250ms;
  ControlApi& api = Api();
  const nlohmann::json state = Body(api.State(Get("/api/state")));
  EXPECT_EQ(state["policy"]["threshold"], 0.8);
  EXPECT_EQ(state["policy"]["sustained_count"], 3);
  EXPECT_EQ(state["policy"]["interval_ms"], 250);
}

TEST_F(ControlApiTest, SamplesAreListedNewestFirst) {
  ControlApi& api = Api();
  Step();
  probe_.default_mode = Mode::kSilent;
  Step();
  const nlohmann::json samples = Body(api.Samples(Get("/api/samples")));
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_TRUE(samples[0]["probability"].is_null());
  EXPECT_EQ(samples[0]["responsive"], false);
  EXPECT_EQ(samples[1]["probability"], 0.1);
  EXPECT_EQ(samples[1]["readings"]["heart_rate"], 150);
  EXPECT_GT(samples[0]["time"].get<int64_t>(),
            samples[1]["time"].get<int64_t>());
  EXPECT_EQ(Body(api.Samples(Get("/api/samples", "limit=1"))).size(), 1u);
  EXPECT_EQ(api.Samples(Get("/api/samples", "limit=0")).status, 400);
}

TEST_F(ControlApiTest, ClearFaultsAndModelAreForwarded) {
  std::string cleared;
  http::Router router;
  router.Handle("DELETE", "/faults", [&](const http::Request& request) {
    cleared = request.method;
    return http::Response::Json(200, R"({"fault": null})");
  });
  router.Handle("GET", "/model", [](const http::Request&) {
    return http::Response::Json(200, R"({"support_vectors": 26})");
  });
  http::ServerOptions server_options;
  server_options.threads = 1;
  auto target =
      std::move(http::Server::Start(server_options, std::move(router)).value());
  provider_.simulator_url = fmt::format("http://127.0.0.1:{}", target->port());
  provider_.predictor_url = provider_.simulator_url;

  ControlApi& api = Api();
  const http::Response response = api.ClearFaults(Post("/api/faults"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(cleared, "DELETE");
  const http::Response model = api.Model(Get("/api/model"));
  EXPECT_EQ(model.status, 200);
  EXPECT_EQ(Body(model)["support_vectors"], 26);
}

TEST_F(ControlApiTest, ModelWithoutALiveGenerationConflicts) {
  provider_.failing_builds = 1;
  ControlApi& api = Api();
  const http::Response response = api.Model(Get("/api/model"));
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(Body(response)["error"],
            "no live generation to send GET /model to");
}

TEST_F(ControlApiTest, EventsAreServedOnlyWithAHub) {
  {
    ControlApi& api = Api();
    http::Router router;
    api.Register(router);
    EXPECT_EQ(router.Dispatch(Get("/api/events")).status, 404);
  }
  http::EventHub hub;
  ControlApi& api = Api("", &hub);
  http::Router router;
  api.Register(router);
  const http::Response events = router.Dispatch(Get("/api/events"));
  EXPECT_EQ(events.status, 200);
  EXPECT_EQ(events.content_type, "text/event-stream");
  EXPECT_NE(events.stream, nullptr);
}

TEST_F(ControlApiTest, RoutesAreRegistered) {
  ControlApi& api = Api();
  http::Router router;
  api.Register(router);
  EXPECT_EQ(router.Dispatch(Get("/api/state")).status, 200);
  EXPECT_EQ(router.Dispatch(Get("/healthz")).status, 200);
  EXPECT_EQ(router.Dispatch(Get("/api/heal")).status, 405);
  EXPECT_EQ(router.Dispatch(Post("/api/breaker/reset")).status, 202);
  EXPECT_EQ(router.Dispatch(Post("/api/alertmanager", "{}")).status, 400);
}

}  // namespace
}  // namespace heimdall::healer
