#include "store/store_json.h"

#include <gtest/gtest.h>

namespace heimdall::store {
namespace {

using namespace std::chrono_literals;

TEST(StoreJson, GenerationAndHealActionCarryTimesAndNulls) {
  Generation g;
  g.id = 3;
  g.provider = "local";
  g.status = GenerationStatus::kStopped;
  g.started_at = Time(1'000ms);
  g.stopped_at = Time(2'500ms);
  nlohmann::json json = ToJson(g);
  EXPECT_EQ(json["status"], "stopped");
  EXPECT_EQ(json["started_at"], 1000);
  EXPECT_EQ(json["stopped_at"], 2500);

  HealAction a;
  a.started_at = Time(1'000ms);
  json = ToJson(a);
  EXPECT_TRUE(json["ended_at"].is_null());
  EXPECT_TRUE(json["duration_ms"].is_null());
  EXPECT_TRUE(json["to_generation"].is_null());
  a.ended_at = Time(1'750ms);
  EXPECT_EQ(ToJson(a)["duration_ms"], 750);
}

TEST(StoreJson, IncidentWithoutProbabilityIsNull) {
  Incident i;
  i.reason = "unresponsive";
  EXPECT_TRUE(ToJson(i)["probability"].is_null());
  i.probability = 0.95;
  EXPECT_EQ(ToJson(i)["probability"], 0.95);
}

TEST(FormatTime, IsIso8601Utc) {
  EXPECT_EQ(FormatTime(Time(1'700'000'000'250ms)), "2023-11-14T22:13:20.250Z");
}

}  // namespace
}  // namespace heimdall::store
