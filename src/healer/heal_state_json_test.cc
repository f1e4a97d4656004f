#include "healer/heal_state_json.h"

#include <gtest/gtest.h>

namespace heimdall::healer {
namespace {

TEST(HealStateJson, RoundTripsEveryField) {
  const TimePoint t = TimePoint(Duration(1'700'000'123'456));
  HealState state;
  state.above_count = 2;
  state.above_since = t;
  state.unscored_count = 1;
  state.unresponsive_count = 1;
  state.fingerprint = 0xfedcba9876543211u;
  state.fingerprint_since = t - std::chrono::seconds(3);
  state.grace_until = t + std::chrono::seconds(45);
  state.not_before = t + std::chrono::seconds(20);
  state.not_before_is_backoff = true;
  state.quiet_until = t + std::chrono::seconds(30);
  state.last_trouble = t;
  state.consecutive_heals = 3;
  state.recent_heals = {t - std::chrono::minutes(2), t};
  state.breaker_open = true;
  state.paused = true;
  state.rng = 0xfedcba9876543210u;  // Beyond 2^53: must survive exactly.
  Result<HealState> back = HealStateFromJson(ToJson(state));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, state);

  HealState fresh;
  EXPECT_EQ(*HealStateFromJson(ToJson(fresh)), fresh);
}

TEST(HealStateJson, NamesTheBadField) {
  nlohmann::json json = ToJson(HealState{});
  json["breaker_open"] = "yes";
  Result<HealState> bad = HealStateFromJson(json);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("breaker_open"), std::string::npos);

  json = ToJson(HealState{});
  json.erase("rng");
  EXPECT_FALSE(HealStateFromJson(json).ok());
  json = ToJson(HealState{});
  json["version"] = 2;
  EXPECT_FALSE(HealStateFromJson(json).ok());
  EXPECT_FALSE(HealStateFromJson(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace heimdall::healer
