#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <thread>

namespace heimdall::store {
namespace {

using namespace std::chrono_literals;

const Time kT0 = Time(1'700'000'000'000ms);

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-store-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ / "heimdall.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SqliteStore> OpenOrDie(SqliteOptions options = {}) {
    Result<std::unique_ptr<SqliteStore>> store =
        SqliteStore::Open(path_, options);
    EXPECT_TRUE(store.ok()) << store.error().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Runs raw SQL on the file, outside the store, as damage or old tools do.
  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error),
              SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  std::string RawScalar(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return value;
  }

  std::filesystem::path dir_;
  std::filesystem::path path_;
};

Generation MakeGeneration(int port) {
  Generation g;
  g.provider = "local";
  g.status = GenerationStatus::kBuilding;
  g.endpoints = {{"simulator", {{"port", port}, {"pid", 100 + port}}}};
  g.started_at = kT0;
  return g;
}

TEST_F(SqliteStoreTest, GenerationsRoundTrip) {
  auto store = OpenOrDie();
  Result<int64_t> first = store->AddGeneration(MakeGeneration(5001));
  Result<int64_t> second = store->AddGeneration(MakeGeneration(5003));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_LT(*first, *second);

  Generation g = **store->GetGeneration(*first);
  EXPECT_EQ(g.target, "default");
  EXPECT_EQ(g.provider, "local");
  EXPECT_EQ(g.status, GenerationStatus::kBuilding);
  EXPECT_EQ(g.endpoints["simulator"]["port"], 5001);
  EXPECT_TRUE(g.archive.is_null());
  EXPECT_EQ(g.started_at, kT0);
  EXPECT_FALSE(g.stopped_at.has_value());

  g.status = GenerationStatus::kStopped;
  g.archive = {{"log_tail", "bye"}};
  g.stopped_at = kT0 + 90s;
  g.stop_reason = "heal: threshold";
  ASSERT_TRUE(store->UpdateGeneration(g).ok());
  const Generation again = **store->GetGeneration(*first);
  EXPECT_EQ(again.status, GenerationStatus::kStopped);
  EXPECT_EQ(again.archive["log_tail"], "bye");
  EXPECT_EQ(again.stopped_at, kT0 + 90s);
  EXPECT_EQ(again.stop_reason, "heal: threshold");

  const std::vector<Generation> all = *store->ListGenerations("default", 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, *second);  // Newest first.
  const std::vector<Generation> running = *store->RunningGenerations("default");
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].id, *second);
  EXPECT_TRUE(store->RunningGenerations("other")->empty());
  EXPECT_FALSE(store->GetGeneration(999)->has_value());
}

TEST_F(SqliteStoreTest, UpdatingAMissingRecordFails) {
  auto store = OpenOrDie();
  Generation g = MakeGeneration(1);
  g.id = 42;
  const Status status = store->UpdateGeneration(g);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.ToString().find("generation 42"), std::string::npos)
      << status.ToString();
  HealAction action;
  action.id = 7;
  EXPECT_FALSE(store->UpdateHealAction(action).ok());
}

TEST_F(SqliteStoreTest, IncidentsKeepReadingsAndMissingProbability) {
  auto store = OpenOrDie();
  Incident incident;
  incident.generation_id = 3;
  incident.time = kT0;
  incident.reason = "unresponsive";
  incident.action = "heal";
  incident.readings =
      nlohmann::json::array({{{"responsive", false}}, {{"heart_rate", 150.5}}});
  incident.detail = "3 polls without an answer";
  ASSERT_TRUE(store->AddIncident(incident).ok());
  incident.reason = "threshold";
  incident.probability = 0.97;
  ASSERT_TRUE(store->AddIncident(incident).ok());

  const std::vector<Incident> incidents = *store->ListIncidents("default", 10);
  ASSERT_EQ(incidents.size(), 2u);
  EXPECT_EQ(incidents[0].reason, "threshold");
  EXPECT_DOUBLE_EQ(*incidents[0].probability, 0.97);
  EXPECT_EQ(incidents[1].reason, "unresponsive");
  EXPECT_FALSE(incidents[1].probability.has_value());
  EXPECT_EQ(incidents[1].readings[1]["heart_rate"], 150.5);
  EXPECT_EQ(incidents[1].detail, "3 polls without an answer");
  EXPECT_EQ(store->ListIncidents("default", 1)->size(), 1u);
}

TEST_F(SqliteStoreTest, UnfinishedHealActionIsFoundUntilItEnds) {
  auto store = OpenOrDie();
  HealAction action;
  action.incident_id = 1;
  action.from_generation = 1;
  action.phase = "destroying";
  action.started_at = kT0;
  Result<int64_t> id = store->AddHealAction(action);
  ASSERT_TRUE(id.ok());

  std::optional<HealAction> open = *store->UnfinishedHealAction("default");
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->id, *id);
  EXPECT_EQ(open->phase, "destroying");
  EXPECT_FALSE(open->finished());
  EXPECT_EQ(open->duration(), 0ms);

  open->phase = "done";
  open->to_generation = 2;
  open->ended_at = kT0 + 850ms;
  open->outcome = "ok";
  ASSERT_TRUE(store->UpdateHealAction(*open).ok());
  EXPECT_FALSE(store->UnfinishedHealAction("default")->has_value());
  const HealAction done = store->ListHealActions("default", 5)->front();
  EXPECT_EQ(done.to_generation, 2);
  EXPECT_EQ(done.duration(), 850ms);
  EXPECT_EQ(done.outcome, "ok");
}

TEST_F(SqliteStoreTest, SamplesAreABoundedWindowPerTarget) {
  SqliteOptions options;
  options.max_samples = 5;
  auto store = OpenOrDie(options);
  int64_t last_id = 0;
  for (int i = 0; i < 12; ++i) {
    Sample sample;
    sample.generation_id = 1;
    sample.time = kT0 + std::chrono::seconds(i);
    sample.responsive = true;
    sample.probability = i / 100.0;
    sample.readings = {{"i", i}};
    Result<int64_t> id = store->AddSample(sample);
    ASSERT_TRUE(id.ok());
    EXPECT_GT(*id, last_id);
    last_id = *id;
  }
  Sample other;
  other.target = "other";
  ASSERT_TRUE(store->AddSample(other).ok());

  const std::vector<Sample> samples = *store->RecentSamples("default", 100);
  ASSERT_EQ(samples.size(), 5u);
  EXPECT_EQ(samples.front().readings["i"], 11);
  EXPECT_EQ(samples.front().id, last_id);
  EXPECT_EQ(samples.back().readings["i"], 7);
  EXPECT_EQ(store->RecentSamples("other", 100)->size(), 1u);
  EXPECT_EQ(RawScalar("SELECT COUNT(*) FROM samples"), "6");
}

TEST_F(SqliteStoreTest, NonFiniteProbabilityIsStoredAsMissing) {
  auto store = OpenOrDie();
  Sample sample;
  sample.probability = std::numeric_limits<double>::quiet_NaN();
  ASSERT_TRUE(store->AddSample(sample).ok());
  EXPECT_FALSE(store->RecentSamples("default", 1)->front().probability);
}

TEST_F(SqliteStoreTest, ControlValuesAreUpserted) {
  auto store = OpenOrDie();
  EXPECT_FALSE(store->GetControl("default", "paused")->has_value());
  ASSERT_TRUE(store->SetControl("default", "paused", "true").ok());
  ASSERT_TRUE(store->SetControl("default", "paused", "false").ok());
  ASSERT_TRUE(store->SetControl("other", "paused", "true").ok());
  EXPECT_EQ(**store->GetControl("default", "paused"), "false");
  EXPECT_EQ(**store->GetControl("other", "paused"), "true");
}

TEST_F(SqliteStoreTest, ReopenAfterCloseKeepsEverything) {
  int64_t first = 0;
  {
    auto store = OpenOrDie();
    first = *store->AddGeneration(MakeGeneration(1));
    Incident incident;
    incident.reason = "threshold";
    ASSERT_TRUE(store->AddIncident(incident).ok());
    ASSERT_TRUE(store->SetControl("default", "breaker", "open").ok());
  }
  auto store = OpenOrDie();
  EXPECT_TRUE(store->GetGeneration(first)->has_value());
  EXPECT_EQ(store->ListIncidents("default", 10)->size(), 1u);
  EXPECT_EQ(**store->GetControl("default", "breaker"), "open");
  // Ids are never reused, even after the newest row is gone.
  RawSql("DELETE FROM generations");
  EXPECT_GT(*store->AddGeneration(MakeGeneration(2)), first);
}

TEST_F(SqliteStoreTest, UsesWalAndRecordsTheSchemaVersion) {
  auto store = OpenOrDie();
  EXPECT_EQ(RawScalar("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawScalar("PRAGMA user_version"),
            std::to_string(SqliteStore::kSchemaVersion));
}

TEST_F(SqliteStoreTest, ASecondConnectionReadsWhileTheFirstWrites) {
  auto writer = OpenOrDie();
  auto reader = OpenOrDie();
  ASSERT_TRUE(writer->AddGeneration(MakeGeneration(1)).ok());
  EXPECT_EQ(reader->ListGenerations("default", 10)->size(), 1u);
}

TEST_F(SqliteStoreTest, ConcurrentWritersLoseNothing) {
  auto store = OpenOrDie();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store] {
      for (int i = 0; i < 50; ++i) {
        Incident incident;
        incident.reason = "threshold";
        EXPECT_TRUE(store->AddIncident(incident).ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(store->ListIncidents("default", 1000)->size(), 200u);
}

TEST_F(SqliteStoreTest, AFileThatIsNotADatabaseIsAnErrorNamingIt) {
  std::ofstream(path_) << std::string(8192, 'x');
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message().find(path_.string()), std::string::npos);
  EXPECT_NE(store.error().message().find("not a database"), std::string::npos)
      << store.error().message();
}

TEST_F(SqliteStoreTest, ADamagedDatabaseIsAnError) {
  {
    SqliteOptions options;
    options.max_samples = 100'000;
    auto store = OpenOrDie(options);
    for (int i = 0; i < 500; ++i) {
      Sample sample;
      sample.readings = {{"padding", std::string(200, 'p')}};
      ASSERT_TRUE(store->AddSample(sample).ok());
    }
  }
  ASSERT_GT(std::filesystem::file_size(path_), 40'000u);
  {
    // Scribble over b-tree pages in the middle of the file.
    std::fstream file(path_, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(3 * 4096);
    const std::string junk(4 * 4096, '\xA5');
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  const std::string& message = store.error().message();
  EXPECT_NE(message.find(path_.string()), std::string::npos);
  EXPECT_TRUE(message.find("malformed") != std::string::npos ||
              message.find("damaged") != std::string::npos)
      << message;
}

TEST_F(SqliteStoreTest, DamagedJsonInARowIsAnErrorNotACrash) {
  {
    auto store = OpenOrDie();
    Incident incident;
    ASSERT_TRUE(store->AddIncident(incident).ok());
  }
  RawSql("UPDATE incidents SET readings = '{broken'");
  auto store = OpenOrDie();
  Result<std::vector<Incident>> incidents = store->ListIncidents("default", 5);
  ASSERT_FALSE(incidents.ok());
  EXPECT_NE(incidents.error().message().find("incident 1"), std::string::npos)
      << incidents.error().message();
}

TEST_F(SqliteStoreTest, AFailedWriteNamesItsStatementInWholeWords) {
  { OpenOrDie(); }
  // As a full disk would, but on purpose.
  RawSql(
      "CREATE TRIGGER refuse BEFORE INSERT ON incidents "
      "BEGIN SELECT RAISE(FAIL, 'no room'); END");
  auto store = OpenOrDie();
  Result<int64_t> added = store->AddIncident(Incident{});
  ASSERT_FALSE(added.ok());
  const std::string message = added.error().message();
  EXPECT_NE(message.find("heimdall.db: INSERT INTO incidents ("),
            std::string::npos)
      << message;
  // Cut after a whole word, and marked as cut.
  EXPECT_NE(message.find(", ...: no room"), std::string::npos) << message;
}

TEST_F(SqliteStoreTest, ANewerSchemaIsRefused) {
  { auto store = OpenOrDie(); }
  RawSql("PRAGMA user_version = 99");
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message().find("newer"), std::string::npos);
}

TEST_F(SqliteStoreTest, AMissingFileIsAnErrorUnlessCreating) {
  SqliteOptions options;
  options.create_if_missing = false;
  Result<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(path_, options);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message().find(path_.string()), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST(GenerationStatus, ParsesWhatItPrints) {
  for (GenerationStatus status :
       {GenerationStatus::kBuilding, GenerationStatus::kLive,
        GenerationStatus::kDestroying, GenerationStatus::kStopped,
        GenerationStatus::kFailed}) {
    EXPECT_EQ(*ParseGenerationStatus(ToString(status)), status);
  }
  EXPECT_FALSE(ParseGenerationStatus("zombie").ok());
  EXPECT_TRUE(MayBeRunning(GenerationStatus::kDestroying));
  EXPECT_FALSE(MayBeRunning(GenerationStatus::kStopped));
}

}  // namespace
}  // namespace heimdall::store
