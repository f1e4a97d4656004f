// `heimdall evaluate` end to end: it replays what `heimdall up` runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/test_command.h"

namespace heimdall::evaluate {
namespace {

namespace fs = std::filesystem;
using heimdall::test_support::CommandOutcome;
using heimdall::test_support::RunHeimdall;

class EvaluateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("heimdall_evaluate_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteConfig(const std::string& text) {
    const fs::path path = dir_ / "heimdall.toml";
    std::ofstream(path) << text;
    return path.string();
  }

  // A quick simulation: a few oxygen leaks and an hour of nominal time.
  CommandOutcome Simulate(const std::string& more) {
    return RunHeimdall(
        "evaluate --simulate 3 --faults oxygen_leak "
        "--nominal-days 0.05 --json " +
            more,
        dir_);
  }

  fs::path dir_;
};

TEST_F(EvaluateCliTest, SimulationUsesUpsDefaultDetectorAndPolicy) {
  const CommandOutcome run = Simulate("");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["scorer"], "trend,frozen");
  EXPECT_EQ(report["faults"][0]["healed_before_critical"], 3);
}

TEST_F(EvaluateCliTest, SimulationReplaysTheConfigsDetectorAndThreshold) {
  // The earlier model alone, and a policy that needs more breaching
  // readings in a row than a run has: no heals.
  const std::string config = WriteConfig(R"(
[detector]
parts = ["model"]
[policy]
sustained_count = 1000000
)");
  const CommandOutcome run = Simulate("--config " + config);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["scorer"], "model");
  EXPECT_EQ(report["faults"][0]["healed"], 0);
  EXPECT_EQ(report["nominal"]["heals"], 0);
}

TEST_F(EvaluateCliTest, ABadConfigIsRefusedNamingTheKey) {
  const std::string config = WriteConfig("[detector]\nparts = [\"oracle\"]\n");
  const CommandOutcome run = Simulate("--config " + config);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("detector: no detector part 'oracle'"),
            std::string::npos)
      << run.err;
  EXPECT_TRUE(run.out.empty());
}

TEST_F(EvaluateCliTest, SeriesNeedADetectorKindFromTheConfig) {
  const std::string config = WriteConfig("[detector]\nparts = [\"trend\"]\n");
  const CommandOutcome run = RunHeimdall(
      "evaluate --nab " HEIMDALL_SHARED_DIR "/datasets/nab --config " + config,
      dir_);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("no detector kind for univariate series"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace heimdall::evaluate
