#include "healer/control_api.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "healer/test_fakes.h"
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

  ControlApi& Api(std::string token = "") {
    controller_ = std::make_unique<Controller>(options_, *store_, provider_,
                                               probe_, clock_);
    EXPECT_TRUE(controller_->Start().ok());
    api_ = std::make_unique<ControlApi>(*controller_, *store_,
                                        ControlApiOptions{token, 1s});
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
  for (Handler handler :
       {&ControlApi::Heal, &ControlApi::Pause, &ControlApi::Resume,
        &ControlApi::ResetBreaker, &ControlApi::Faults}) {
    for (const char* token : {"", "wrong", "s3cre", "s3cret!"}) {
      const http::Response response =
          (api.*handler)(Post("/api/x", "{}", token));
      EXPECT_EQ(response.status, 401) << token;
    }
  }
  EXPECT_EQ(api.Pause(Post("/api/pause", "", "s3cret")).status, 202);
  EXPECT_EQ(api.State(Get("/api/state")).status, 200);  // Reads stay open.
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

TEST_F(ControlApiTest, AnUnreachableSimulatorIsABadGateway) {
  provider_.simulator_url = "http://127.0.0.1:1";
  ControlApi& api = Api();
  EXPECT_EQ(api.Faults(Post("/api/faults", "{}")).status, 502);
}

TEST_F(ControlApiTest, RoutesAreRegistered) {
  ControlApi& api = Api();
  http::Router router;
  api.Register(router);
  EXPECT_EQ(router.Dispatch(Get("/api/state")).status, 200);
  EXPECT_EQ(router.Dispatch(Get("/healthz")).status, 200);
  EXPECT_EQ(router.Dispatch(Get("/api/heal")).status, 405);
  EXPECT_EQ(router.Dispatch(Post("/api/breaker/reset")).status, 202);
}

}  // namespace
}  // namespace heimdall::healer
