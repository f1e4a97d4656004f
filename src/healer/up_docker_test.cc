// End to end with containers: the real `heimdall up` binary with
// provider "docker" and the heimdall image, driven through its control API.
#include <gtest/gtest.h>

#include <fstream>

#include "healer/docker_test_support.h"
#include "healer/up_test_support.h"
#include "store/sqlite_store.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;
using testing::ContainersOf;
using testing::NetworksOf;

constexpr auto kPatience = 60s;

template <typename Condition>
bool Eventually(Condition condition) {
  return test_support::Eventually(condition, kPatience, 50ms);
}

class UpDockerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HEIMDALL_SKIP_WITHOUT_DOCKER();
    std::filesystem::create_directories(dir_.path() / "state");
    controller_ = std::filesystem::canonical(dir_.path() / "state").string();
    config_ = dir_.path() / "heimdall.toml";
    // About the loop with containers, not the detector: the earlier model
    // flags an acute reading at once.
    std::ofstream(config_) << fmt::format(
        R"(
state_dir = "{}"
[controller]
interval = "100ms"
[policy]
grace = "500ms"
cooldown = "0s"
[policy.backoff]
base = "100ms"
max = "1s"
[policy.breaker]
max_heals = 0
[provider]
kind = "docker"
[provider.docker]
socket = "{}"
image = "{}"
build_timeout = "30s"
stop_grace = "2s"
[provider.docker.simulator]
args = ["--speed", "5"]
[probe]
telemetry_timeout = "500ms"
predict_timeout = "500ms"
[api]
listen = "127.0.0.1:0"
[detector]
parts = ["model"]
)",
        controller_, testing::TestEngine().socket, HEIMDALL_TEST_IMAGE);
  }

  void TearDown() override {
    if (up_.Stop()) {
      // A clean stop removes every container and network of ours.
      EXPECT_TRUE(ContainersOf(controller_).empty());
      EXPECT_TRUE(NetworksOf(controller_).empty());
    }
    if (!controller_.empty()) testing::RemoveEverythingOf(controller_);
  }

  void StartUp(const std::string& hold_phase = "") {
    ASSERT_TRUE(up_.Start(config_,
                          dir_.path() / fmt::format("up-{}.log", ++starts_),
                          hold_phase));
  }

  // The live generation's container ids, from the controller's state.
  std::vector<std::string> LiveContainers() {
    std::vector<std::string> ids;
    const nlohmann::json state = up_.Get("/api/state");
    if (!state.is_object() || !state["generation"].is_object()) return ids;
    for (const auto& c : state["generation"]["detail"]["containers"]) {
      ids.push_back(c["id"].get<std::string>());
    }
    return ids;
  }

  bool Exists(const std::string& id) {
    DockerEngine engine(testing::TestEngine());
    auto found = engine.InspectContainer(id);
    return !found.ok() || found->has_value();
  }

  testing::TempDir dir_;
  std::string controller_;
  std::filesystem::path config_;
  test_support::UpProcess up_{kPatience};
  int starts_ = 0;
};

TEST_F(UpDockerTest, HealsAnInjectedFaultWithFreshContainers) {
  StartUp();
  const int64_t old = up_.LiveGeneration();
  const std::vector<std::string> old_containers = LiveContainers();
  ASSERT_EQ(old_containers.size(), 2u);

  const auto injected = std::chrono::steady_clock::now();
  ASSERT_EQ(up_.Post("/api/faults", R"({"kind": "acute"})"), 200);
  ASSERT_TRUE(Eventually([&] {
    const int64_t now = up_.LiveGeneration();
    return now != 0 && now != old;
  })) << up_.Log();
  const auto healed = std::chrono::steady_clock::now();
  // Measured, not asserted: fault to a new healthy generation.
  RecordProperty(
      "fault_to_live_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                           healed - injected)
                           .count()));

  const nlohmann::json incident = up_.Get("/api/incidents?limit=1")[0];
  EXPECT_EQ(incident["reason"], "threshold");
  EXPECT_EQ(incident["action"], "heal");
  EXPECT_EQ(incident["generation_id"], old);

  // New containers; the old ones and their network are gone.
  const std::vector<std::string> now = LiveContainers();
  ASSERT_EQ(now.size(), 2u);
  for (const std::string& id : now) {
    EXPECT_TRUE(std::find(old_containers.begin(), old_containers.end(), id) ==
                old_containers.end());
  }
  for (const std::string& id : old_containers) EXPECT_FALSE(Exists(id)) << id;
  EXPECT_EQ(ContainersOf(controller_).size(), 2u);
  EXPECT_EQ(NetworksOf(controller_).size(), 1u);

  // The archive was taken before the destroy: it saw them running.
  const nlohmann::json generations = up_.Get("/api/generations?limit=10");
  const auto archived =
      std::find_if(generations.begin(), generations.end(),
                   [&](const nlohmann::json& g) { return g["id"] == old; });
  ASSERT_NE(archived, generations.end());
  EXPECT_EQ((*archived)["status"], "stopped");
  const nlohmann::json& archive = (*archived)["archive"];
  ASSERT_EQ(archive["containers"].size(), 2u);
  for (const nlohmann::json& c : archive["containers"]) {
    EXPECT_TRUE(c["running"].get<bool>());
    EXPECT_EQ(c["inspect"]["Id"], c["id"]);
    EXPECT_FALSE(c["log_tail"].get<std::string>().empty());
  }
  EXPECT_TRUE(std::filesystem::exists(archive["path"].get<std::string>()));
}

class DockerKillMidHealTest
    : public UpDockerTest,
      public ::testing::WithParamInterface<const char*> {};

TEST_P(DockerKillMidHealTest, RestartLeavesOneGenerationAndNoStrays) {
  const std::string phase = GetParam();
  StartUp(phase);
  const int64_t first = up_.LiveGeneration();
  const std::vector<std::string> first_containers = LiveContainers();
  ASSERT_EQ(up_.Post("/api/faults", R"({"kind": "acute"})"), 200);
  ASSERT_TRUE(Eventually([&] {
    const nlohmann::json heals = up_.Get("/api/heals?limit=1");
    return heals.is_array() && !heals.empty() && heals[0]["phase"] == phase &&
           heals[0]["ended_at"].is_null();
  })) << up_.Log();
  ASSERT_TRUE(up_.Kill());

  StartUp();
  const int64_t live = up_.LiveGeneration();
  EXPECT_NE(live, first);
  auto store = store::SqliteStore::Open(dir_.path() / "state" / "heimdall.db",
                                        {.create_if_missing = false})
                   .value();
  const std::vector<store::Generation> running =
      store->RunningGenerations("default").value();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].id, live);

  // Exactly the live generation's two containers and its network, by label.
  const std::vector<std::string> live_containers = LiveContainers();
  const std::vector<nlohmann::json> ours = ContainersOf(controller_);
  ASSERT_EQ(ours.size(), 2u);
  for (const nlohmann::json& c : ours) {
    EXPECT_EQ(c["Labels"][kDockerLabelGeneration], std::to_string(live));
    EXPECT_TRUE(std::find(live_containers.begin(), live_containers.end(),
                          c["Id"].get<std::string>()) != live_containers.end());
  }
  const std::vector<nlohmann::json> networks = NetworksOf(controller_);
  ASSERT_EQ(networks.size(), 1u);
  EXPECT_EQ(networks[0]["Labels"][kDockerLabelGeneration],
            std::to_string(live));
  for (const std::string& id : first_containers) EXPECT_FALSE(Exists(id));

  const store::HealAction heal = store->ListHealActions("default", 1)->at(0);
  EXPECT_EQ(heal.phase, "done");
  EXPECT_EQ(heal.to_generation, live);
  const store::Generation old = store->GetGeneration(first)->value();
  EXPECT_EQ(old.status, store::GenerationStatus::kStopped);
  ASSERT_TRUE(old.archive.is_object());
  EXPECT_EQ(old.archive["containers"].size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Phases, DockerKillMidHealTest,
                         ::testing::Values("archiving", "destroying",
                                           "building"));

}  // namespace
}  // namespace heimdall::healer
