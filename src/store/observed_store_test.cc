#include "store/observed_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite_store.h"

namespace heimdall::store {
namespace {

using namespace std::chrono_literals;

const Time kT0 = Time(1'700'000'000'000ms);

class ObservedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-observed-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto opened = SqliteStore::Open(dir_ / "heimdall.db");
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    inner_ = std::move(*opened);
    observed_ = std::make_unique<ObservedStore>(
        *inner_, [this](std::string_view kind, const nlohmann::json& record) {
          reports_.emplace_back(std::string(kind), record);
        });
  }
  void TearDown() override {
    observed_.reset();
    inner_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteStore> inner_;
  std::unique_ptr<ObservedStore> observed_;
  std::vector<std::pair<std::string, nlohmann::json>> reports_;
};

TEST_F(ObservedStoreTest, ReportsEachWriteWithTheAssignedId) {
  Generation generation;
  generation.provider = "local";
  generation.started_at = kT0;
  auto id = observed_->AddGeneration(generation);
  ASSERT_TRUE(id.ok());
  generation.id = *id;
  generation.status = GenerationStatus::kLive;
  ASSERT_TRUE(observed_->UpdateGeneration(generation).ok());

  Incident incident;
  incident.generation_id = *id;
  incident.time = kT0 + 1s;
  incident.reason = "threshold";
  incident.action = "heal";
  incident.probability = 0.97;
  auto incident_id = observed_->AddIncident(incident);
  ASSERT_TRUE(incident_id.ok());

  HealAction heal;
  heal.incident_id = *incident_id;
  heal.from_generation = *id;
  heal.phase = "archiving";
  heal.started_at = kT0 + 1s;
  auto heal_id = observed_->AddHealAction(heal);
  ASSERT_TRUE(heal_id.ok());

  Sample sample;
  sample.generation_id = *id;
  sample.time = kT0 + 2s;
  sample.responsive = true;
  sample.probability = 0.25;
  sample.readings = {{"heart_rate", 72}};
  Result<int64_t> sample_id = observed_->AddSample(sample);
  ASSERT_TRUE(sample_id.ok());

  ASSERT_EQ(reports_.size(), 5u);
  EXPECT_EQ(reports_[0].first, "generation");
  EXPECT_EQ(reports_[0].second["id"], *id);
  EXPECT_EQ(reports_[0].second["status"], "building");
  EXPECT_EQ(reports_[1].second["status"], "live");
  EXPECT_EQ(reports_[2].first, "incident");
  EXPECT_EQ(reports_[2].second["id"], *incident_id);
  EXPECT_EQ(reports_[2].second["probability"], 0.97);
  EXPECT_EQ(reports_[3].first, "heal");
  EXPECT_EQ(reports_[3].second["id"], *heal_id);
  EXPECT_EQ(reports_[3].second["phase"], "archiving");
  EXPECT_EQ(reports_[4].first, "sample");
  EXPECT_GT(*sample_id, 0);
  EXPECT_EQ(reports_[4].second["id"], *sample_id);
  EXPECT_EQ(reports_[4].second["probability"], 0.25);
  EXPECT_EQ(reports_[4].second["readings"]["heart_rate"], 72);
}

TEST_F(ObservedStoreTest, AFailedWriteReportsNothing) {
  Generation ghost;
  ghost.id = 4242;  // Never added.
  ghost.provider = "local";
  EXPECT_FALSE(observed_->UpdateGeneration(ghost).ok());

  HealAction heal;
  heal.id = 99;
  heal.phase = "done";
  EXPECT_FALSE(observed_->UpdateHealAction(heal).ok());
  EXPECT_TRUE(reports_.empty());
}

TEST_F(ObservedStoreTest, ReadsPassThroughUnreported) {
  Sample sample;
  sample.time = kT0;
  sample.responsive = true;
  ASSERT_TRUE(inner_->AddSample(sample).ok());
  auto samples = observed_->RecentSamples(kDefaultTarget, 10);
  ASSERT_TRUE(samples.ok());
  EXPECT_EQ(samples->size(), 1u);
  EXPECT_TRUE(reports_.empty());
}

}  // namespace
}  // namespace heimdall::store
