#include "healer/local_provider.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>

#include "healer/test_stand_in.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

// Started with --stand-in, this binary serves as a fake simulator or
// predictor instead of running the tests.
[[maybe_unused]] const bool kStandIn = testing::RunStandInIfAsked();

class LocalProviderTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override {
    for (auto& provider : providers_) (void)provider->Adopt(std::nullopt);
    std::filesystem::remove_all(dir_);
  }

  static std::filesystem::path MakeTempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-local-XXXXXX")
            .string();
    EXPECT_NE(mkdtemp(pattern.data()), nullptr);
    return pattern;
  }

  LocalProvider& MakeProvider(
      const std::string& simulator_mode = "ok",
      const std::string& predictor_mode = "ok",
      std::filesystem::path state_dir = {},
      std::function<std::vector<std::string>()> build_simulator_args = {}) {
    LocalProviderOptions options;
    options.build_simulator_args = std::move(build_simulator_args);
    options.state_dir = state_dir.empty() ? dir_ / "state" : state_dir;
    options.simulator_command = {"{binary}", "--stand-in", "{port}",
                                 simulator_mode};
    options.predictor_command = {"{binary}", "--stand-in", "{port}",
                                 predictor_mode};
    options.build_timeout = 5s;
    options.stop_grace = 1s;
    options.health_check = testing::StandInHealthCheck;
    Result<std::unique_ptr<LocalProvider>> provider =
        LocalProvider::Create(options);
    EXPECT_TRUE(provider.ok()) << provider.error().message();
    providers_.push_back(std::move(*provider));
    return *providers_.back();
  }

  static std::vector<ProcessId> Processes(const Deployment& deployment) {
    std::vector<ProcessId> ids;
    for (const auto& p : deployment.detail["processes"]) {
      ids.push_back({p["pid"].get<pid_t>(), p["start_ticks"].get<uint64_t>()});
    }
    return ids;
  }

  static size_t MarkedProcesses(const std::string& marker) {
    const auto found = FindProcessesWithEnv(kGenerationMarkerEnv);
    return std::count_if(found.begin(), found.end(),
                         [&](const auto& p) { return p.second == marker; });
  }

  std::filesystem::path dir_;
  std::vector<std::unique_ptr<LocalProvider>> providers_;
};

TEST_F(LocalProviderTest, BuildStartsTwoHealthyMarkedProcessGroups) {
  LocalProvider& provider = MakeProvider();
  Result<Deployment> built = provider.Build(1);
  ASSERT_TRUE(built.ok()) << built.error().message();
  EXPECT_EQ(built->generation_id, 1);
  EXPECT_EQ(built->provider, "local");
  EXPECT_TRUE(built->simulator_url.starts_with("http://127.0.0.1:"));
  EXPECT_NE(built->simulator_url, built->predictor_url);
  EXPECT_TRUE(provider.Health(*built).ok());

  const std::vector<ProcessId> ids = Processes(*built);
  ASSERT_EQ(ids.size(), 2u);
  for (const ProcessId& id : ids) {
    EXPECT_TRUE(IsRunning(id));
    EXPECT_EQ(getpgid(id.pid), id.pid);
    EXPECT_EQ(ProcessEnv(id.pid, kGenerationMarkerEnv), provider.Marker(1));
  }
  EXPECT_TRUE(
      std::filesystem::exists(dir_ / "state/generations/1/simulator.log"));
  EXPECT_TRUE(
      std::filesystem::exists(dir_ / "state/generations/1/predictor.log"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "state/model.json"));
}

TEST_F(LocalProviderTest, ArchiveRecordsPidsPortsCommandsAndLogTails) {
  LocalProvider& provider = MakeProvider();
  Result<Deployment> built = provider.Build(4);
  ASSERT_TRUE(built.ok()) << built.error().message();
  Result<nlohmann::json> archive = provider.Archive(*built);
  ASSERT_TRUE(archive.ok()) << archive.error().message();

  const nlohmann::json& processes = (*archive)["processes"];
  ASSERT_EQ(processes.size(), 2u);
  for (const nlohmann::json& p : processes) {
    EXPECT_TRUE(p["running"].get<bool>());
    EXPECT_GT(p["pid"].get<int>(), 0);
    EXPECT_EQ(p["argv"][1], "--stand-in");
    EXPECT_EQ(p["argv"][2], std::to_string(p["port"].get<int>()));
    EXPECT_NE(p["log_tail"].get<std::string>().find("stand-in listening"),
              std::string::npos);
  }
  std::ifstream file((*archive)["path"].get<std::string>());
  const nlohmann::json on_disk = nlohmann::json::parse(file, nullptr, false);
  EXPECT_EQ(on_disk, *archive);
}

TEST_F(LocalProviderTest, EachBuildAsksForMoreSimulatorArguments) {
  int builds = 0;
  LocalProvider& provider = MakeProvider("ok", "ok", {}, [&builds] {
    return std::vector<std::string>{"--after", std::to_string(++builds)};
  });
  for (int generation = 1; generation <= 2; ++generation) {
    Result<Deployment> built = provider.Build(generation);
    ASSERT_TRUE(built.ok()) << built.error().message();
    Result<nlohmann::json> archive = provider.Archive(*built);
    ASSERT_TRUE(archive.ok());
    const nlohmann::json& simulator = (*archive)["processes"][0];
    ASSERT_EQ(simulator["role"], "simulator") << simulator.dump();
    const nlohmann::json& argv = simulator["argv"];
    ASSERT_GE(argv.size(), 2u);
    EXPECT_EQ(argv[argv.size() - 2], "--after");
    EXPECT_EQ(argv.back(), std::to_string(generation));
    // The predictor's command is left as it was.
    for (const auto& arg : (*archive)["processes"][1]["argv"]) {
      EXPECT_NE(arg, "--after");
    }
    ASSERT_TRUE(provider.Destroy(*built).ok());
  }
}

TEST_F(LocalProviderTest, DestroyLeavesNoProcessesAndNoZombies) {
  LocalProvider& provider = MakeProvider("fork", "ok");
  Result<Deployment> built = provider.Build(2);
  ASSERT_TRUE(built.ok()) << built.error().message();
  EXPECT_EQ(MarkedProcesses(provider.Marker(2)), 3u);  // With a grandchild.

  ASSERT_TRUE(provider.Destroy(*built).ok());
  for (const ProcessId& id : Processes(*built)) {
    EXPECT_FALSE(IsRunning(id));
    EXPECT_TRUE(ProcessGroupMembers(id.pid).empty());
    EXPECT_EQ(waitpid(id.pid, nullptr, WNOHANG), -1);  // Reaped already.
  }
  EXPECT_EQ(MarkedProcesses(provider.Marker(2)), 0u);
  EXPECT_FALSE(provider.Health(*built).ok());
  EXPECT_TRUE(provider.Destroy(*built).ok());  // Idempotent.
}

TEST_F(LocalProviderTest, DestroyKillsWhatIgnoresSigterm) {
  LocalProvider& provider = MakeProvider("stubborn", "stubborn");
  Result<Deployment> built = provider.Build(3);
  ASSERT_TRUE(built.ok()) << built.error().message();
  EXPECT_EQ(MarkedProcesses(provider.Marker(3)), 4u);
  ASSERT_TRUE(provider.Destroy(*built).ok());
  EXPECT_EQ(MarkedProcesses(provider.Marker(3)), 0u);
}

TEST_F(LocalProviderTest, AChildThatExitsFailsTheBuildAndIsCleanedUp) {
  LocalProvider& provider = MakeProvider("ok", "exit");
  Result<Deployment> built = provider.Build(5);
  ASSERT_FALSE(built.ok());
  const std::string& message = built.error().message();
  EXPECT_NE(message.find("generation 5"), std::string::npos) << message;
  EXPECT_NE(message.find("predictor"), std::string::npos) << message;
  EXPECT_NE(message.find("stand-in refusing"), std::string::npos) << message;
  EXPECT_EQ(MarkedProcesses(provider.Marker(5)), 0u);
}

TEST_F(LocalProviderTest, ABuildThatNeverGetsHealthyTimesOutAndIsCleanedUp) {
  LocalProviderOptions options;
  options.state_dir = dir_ / "state";
  options.simulator_command = {"{binary}", "--stand-in", "{port}", "ok"};
  options.predictor_command = {"{binary}", "--stand-in", "{port}", "silent"};
  options.build_timeout = 300ms;
  options.health_check = testing::StandInHealthCheck;
  auto provider = LocalProvider::Create(options).value();
  Result<Deployment> built = provider->Build(6);
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.error().message().find("not healthy after 300 ms"),
            std::string::npos)
      << built.error().message();
  EXPECT_EQ(MarkedProcesses(provider->Marker(6)), 0u);
}

TEST_F(LocalProviderTest, AdoptKeepsAHealthyGenerationAndStopsStrays) {
  LocalProvider& before = MakeProvider();
  Result<Deployment> old = before.Build(7);
  Result<Deployment> current = before.Build(8);
  ASSERT_TRUE(old.ok() && current.ok());

  // A restarted controller, same state dir; the store says 8 is live.
  LocalProvider& after = MakeProvider();
  Result<std::optional<Deployment>> adopted = after.Adopt(*current);
  ASSERT_TRUE(adopted.ok()) << adopted.error().message();
  ASSERT_TRUE(adopted->has_value());
  EXPECT_EQ((*adopted)->generation_id, 8);
  EXPECT_EQ(MarkedProcesses(after.Marker(8)), 2u);
  EXPECT_EQ(MarkedProcesses(after.Marker(7)), 0u);
}

TEST_F(LocalProviderTest, AdoptDestroysAGenerationThatLostAProcess) {
  LocalProvider& before = MakeProvider();
  Result<Deployment> built = before.Build(9);
  ASSERT_TRUE(built.ok());
  ASSERT_TRUE(StopProcessGroup(Processes(*built)[1], 1s).ok());

  LocalProvider& after = MakeProvider();
  Result<std::optional<Deployment>> adopted = after.Adopt(*built);
  ASSERT_TRUE(adopted.ok());
  EXPECT_FALSE(adopted->has_value());
  EXPECT_EQ(MarkedProcesses(after.Marker(9)), 0u);
}

TEST_F(LocalProviderTest, AdoptFindsProcessesTheStoreNeverRecorded) {
  LocalProvider& before = MakeProvider();
  ASSERT_TRUE(before.Build(10).ok());  // Crash before the store heard of it.
  LocalProvider& after = MakeProvider();
  Result<std::optional<Deployment>> adopted = after.Adopt(std::nullopt);
  ASSERT_TRUE(adopted.ok());
  EXPECT_FALSE(adopted->has_value());
  EXPECT_EQ(MarkedProcesses(after.Marker(10)), 0u);
}

TEST_F(LocalProviderTest, AdoptLeavesOtherControllersAndStrangersAlone) {
  const std::filesystem::path other_dir = MakeTempDir();
  LocalProvider& other = MakeProvider("ok", "ok", other_dir);
  Result<Deployment> theirs = other.Build(1);
  ASSERT_TRUE(theirs.ok());

  // The store's record points at a PID that is not ours (this test).
  Deployment forged;
  forged.generation_id = 1;
  forged.provider = "local";
  forged.detail["processes"] = {
      {{"pid", getpid()}, {"start_ticks", *ProcessStartTicks(getpid())}}};
  LocalProvider& ours = MakeProvider();
  Result<std::optional<Deployment>> adopted = ours.Adopt(forged);
  ASSERT_TRUE(adopted.ok());
  EXPECT_FALSE(adopted->has_value());
  EXPECT_TRUE(other.Health(*theirs).ok());
  ASSERT_TRUE(other.Destroy(*theirs).ok());
  std::filesystem::remove_all(other_dir);
}

TEST_F(LocalProviderTest, CreateRejectsAMissingBinary) {
  LocalProviderOptions options;
  options.state_dir = dir_ / "state";
  options.binary = dir_ / "no-such-heimdall";
  options.health_check = testing::StandInHealthCheck;
  Result<std::unique_ptr<LocalProvider>> provider =
      LocalProvider::Create(options);
  ASSERT_FALSE(provider.ok());
  EXPECT_NE(provider.error().message().find("no-such-heimdall"),
            std::string::npos);
}

TEST(Deployment, JsonRoundTripAndFieldErrors) {
  Deployment deployment;
  deployment.generation_id = 12;
  deployment.provider = "local";
  deployment.simulator_url = "http://127.0.0.1:1";
  deployment.predictor_url = "http://127.0.0.1:2";
  deployment.detail = {{"marker", "m"}};
  Result<Deployment> back = DeploymentFromJson(ToJson(deployment));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->generation_id, 12);
  EXPECT_EQ(back->predictor_url, "http://127.0.0.1:2");
  EXPECT_EQ(back->detail["marker"], "m");

  nlohmann::json broken = ToJson(deployment);
  broken["generation_id"] = "12";
  Result<Deployment> bad = DeploymentFromJson(broken);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("generation_id"), std::string::npos);
  EXPECT_FALSE(DeploymentFromJson(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace heimdall::healer
