// Runs the heimdall binary's train and score subcommands end to end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/csv.h"
#include "common/test_command.h"
#include "model/model_file.h"

namespace heimdall::model {
namespace {

namespace fs = std::filesystem;

const std::string kPeer = std::string(HEIMDALL_SHARED_DIR) + "/peer/";

struct Case {
  std::string args;
  std::string message;
};

using Outcome = heimdall::test_support::CommandOutcome;

class CliTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("heimdall_cli_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Outcome Heimdall(const std::string& args) {
    return heimdall::test_support::RunHeimdall(args, dir_);
  }

  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST_F(CliTest, TrainThenScoreMatchesScikitLearnOnEveryPeerProbe) {
  const Outcome train = Heimdall("train --input " + kPeer +
                                 "peer_train.csv --out " + Path("peer.json"));
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_NE(train.out.find("trained on 500 rows"), std::string::npos);

  const Outcome score = Heimdall("score --model " + Path("peer.json") +
                                 " --input " + kPeer + "peer_probe_scores.csv");
  ASSERT_EQ(score.exit_code, 0) << score.err;
  std::ofstream(Path("scored.csv")) << score.out;
  // The probe file has sklearn's `decision` already, so ours is renamed.
  Result<NumericTable> scored = ReadNumericTable(
      Path("scored.csv"),
      {"heart_rate", "decision", "heimdall_decision", "failure_probability"});
  ASSERT_TRUE(scored.ok()) << scored.status().ToString();
  ASSERT_EQ(scored->rows(), 2000u);
  for (size_t i = 0; i < scored->rows(); ++i) {
    const double* row = scored->row(i);
    ASSERT_NEAR(row[2], row[1], 1e-6) << "probe " << i + 1;
    ASSERT_DOUBLE_EQ(row[3], ClippedLogistic(row[2])) << "probe " << i + 1;
  }
  // The original cells come through as they were written.
  EXPECT_EQ(score.out.rfind(
                "heart_rate,oxygen_level,temperature,decision,"
                "heimdall_decision,failure_probability\n"
                "52.2093263,87.96856845,39.86952355,-2.625713872,-2.62571",
                0),
            0u)
      << score.out.substr(0, 200);
}

TEST_F(CliTest, TrainWithoutInputUsesTheBuiltinSet) {
  const Outcome train = Heimdall("train --out " + Path("m.json"));
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_NE(train.out.find("trained on 500 rows of builtin"),
            std::string::npos);
  EXPECT_NE(train.out.find("gamma 0.333333333 (auto)"), std::string::npos);
  Result<Model> model = LoadModel(Path("m.json"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->summary().source, "builtin");
}

TEST_F(CliTest, BadTrainingRequestsExitOneWithAMessage) {
  const Case cases[] = {
      {"--nu 0", "heimdall train: training on builtin: nu must be in (0, 1]"},
      {"--nu 1.5", "nu must be in (0, 1], got 1.5"},
      {"--nu abc", "heimdall train: --nu: 'abc' is not a number"},
      {"--gamma 0", "--gamma: gamma must be auto, scale or a positive"},
      {"--probability probit", "unknown probability mapping 'probit'"},
      {"--features a,b", "--features needs --input"},
      {"--input " + kPeer + "peer_train.csv --features heart_rate,pulse",
       "no column 'pulse'"},
  };
  for (const Case& c : cases) {
    const Outcome run =
        Heimdall("train " + c.args + " --out " + Path("x.json"));
    EXPECT_EQ(run.exit_code, 1) << c.args;
    EXPECT_NE(run.err.find(c.message), std::string::npos)
        << c.args << ": " << run.err;
    EXPECT_FALSE(fs::exists(Path("x.json"))) << c.args;
  }
}

TEST_F(CliTest, ScoreRefusesInputItCannotScore) {
  ASSERT_EQ(Heimdall("train --out " + Path("m.json")).exit_code, 0);
  std::ofstream(Path("missing.csv")) << "heart_rate,temperature\n80,37\n";
  std::ofstream(Path("text.csv"))
      << "heart_rate,oxygen_level,temperature\n80,99,37\n80,high,37\n";
  std::ofstream(Path("short.csv"))
      << "heart_rate,oxygen_level,temperature,note\n80,99,37\n";
  const Case cases[] = {
      {"missing.csv", "no column 'oxygen_level', which the model needs"},
      {"text.csv", "line 3: column 'oxygen_level': 'high' is not a number"},
      {"short.csv", "line 2: 3 cells, but the header has 4"},
  };
  for (const Case& c : cases) {
    const Outcome run = Heimdall("score --model " + Path("m.json") +
                                 " --input " + Path(c.args));
    EXPECT_EQ(run.exit_code, 1) << c.args;
    EXPECT_NE(run.err.find("heimdall score: "), std::string::npos) << run.err;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
  }
  const Outcome bad_model = Heimdall("score --model " + Path("missing.csv") +
                                     " --input " + Path("text.csv"));
  EXPECT_EQ(bad_model.exit_code, 1);
  EXPECT_NE(bad_model.err.find("missing.csv: not a valid JSON document"),
            std::string::npos)
      << bad_model.err;
}

TEST_F(CliTest, ScoreQuotesCellsThatNeedIt) {
  ASSERT_EQ(Heimdall("train --out " + Path("m.json")).exit_code, 0);
  std::ofstream(Path("notes.csv"))
      << "note,heart_rate,oxygen_level,temperature\n"
         "\"calm, resting\",80,99,37\n";
  const Outcome run = Heimdall("score --model " + Path("m.json") + " --input " +
                               Path("notes.csv"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.rfind("note,heart_rate,oxygen_level,temperature,decision,"
                          "failure_probability\n\"calm, resting\",80,99,37,",
                          0),
            0u)
      << run.out;
}

}  // namespace
}  // namespace heimdall::model
