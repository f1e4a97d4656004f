#include "healer/heal_metrics.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint(Duration(1'700'000'000'000));

class HealMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = std::make_shared<prometheus::Registry>();
    Result<std::unique_ptr<HealMetrics>> made =
        HealMetrics::Create(registry_, "default");
    ASSERT_TRUE(made.ok()) << made.error().message();
    metrics_ = std::move(*made);
  }

  std::string Text() {
    return prometheus::TextSerializer().Serialize(registry_->Collect());
  }
  bool Has(const std::string& line) {
    return Text().find("\n" + line + "\n") != std::string::npos;
  }

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<HealMetrics> metrics_;
};

TEST_F(HealMetricsTest, HealEventsAreCountedByReasonAndTimed) {
  HealEvent event;
  event.target = "default";
  event.reason = "threshold";
  event.kind = HealEvent::Kind::kStarted;
  metrics_->Observe(event);
  metrics_->Observe(event);
  event.kind = HealEvent::Kind::kDone;
  event.duration = 2'400ms;
  metrics_->Observe(event);
  event.reason = "alert";
  event.kind = HealEvent::Kind::kFailed;
  metrics_->Observe(event);
  event.kind = HealEvent::Kind::kBreakerOpened;
  metrics_->Observe(event);

  EXPECT_TRUE(
      Has("heimdall_heals_total{reason=\"threshold\",target=\"default\"} 2"))
      << Text();
  EXPECT_TRUE(Has(
      "heimdall_heals_failed_total{reason=\"alert\",target=\"default\"} 1"));
  EXPECT_TRUE(
      Has("heimdall_heal_duration_seconds_count{target=\"default\"} 1"));
  EXPECT_TRUE(
      Has("heimdall_heal_duration_seconds_sum{target=\"default\"} 2.4"));
  EXPECT_TRUE(Has(
      "heimdall_heal_duration_seconds_bucket{target=\"default\",le=\"1\"} 0"));
  EXPECT_TRUE(
      Has("heimdall_heal_duration_seconds_bucket{target=\"default\",le=\"2.5\"}"
          " 1"));
  EXPECT_TRUE(Has("heimdall_breaker_opened_total{target=\"default\"} 1"));
}

TEST_F(HealMetricsTest, RefreshMirrorsTheSnapshot) {
  EXPECT_TRUE(Has("heimdall_failure_probability{target=\"default\"} Nan"))
      << Text();
  EXPECT_TRUE(Has("heimdall_generation_id{target=\"default\"} 0"));

  ControllerSnapshot snapshot;
  snapshot.readings = 5;
  snapshot.last_reading = Reading{};
  snapshot.last_reading->probability = 0.93;
  snapshot.heal_state.breaker_open = true;
  snapshot.heal_state.paused = true;
  Deployment live;
  live.generation_id = 3;
  snapshot.deployment = live;
  snapshot.live_since = kNow - 10s;
  metrics_->Refresh(snapshot, kNow);
  EXPECT_TRUE(Has("heimdall_failure_probability{target=\"default\"} 0.93"));
  EXPECT_TRUE(Has("heimdall_readings_total{target=\"default\"} 5"));
  EXPECT_TRUE(Has("heimdall_breaker_open{target=\"default\"} 1"));
  EXPECT_TRUE(Has("heimdall_paused{target=\"default\"} 1"));
  EXPECT_TRUE(Has("heimdall_generation_id{target=\"default\"} 3"));
  EXPECT_TRUE(Has("heimdall_generation_age_seconds{target=\"default\"} 10"));

  // The counter only moves forward, by what was read since.
  snapshot.readings = 7;
  snapshot.deployment.reset();
  metrics_->Refresh(snapshot, kNow);
  metrics_->Refresh(snapshot, kNow);
  EXPECT_TRUE(Has("heimdall_readings_total{target=\"default\"} 7"));
  EXPECT_TRUE(Has("heimdall_generation_id{target=\"default\"} 0"));
}

TEST_F(HealMetricsTest, HealsOfEveryReasonStartAtZero) {
  for (const char* reason : {"threshold", "unresponsive", "invalid_reading",
                             "stale_reading", "forced", "alert"}) {
    const std::string labels =
        fmt::format("{{reason=\"{}\",target=\"default\"}} 0", reason);
    EXPECT_TRUE(Has("heimdall_heals_total" + labels)) << reason;
    EXPECT_TRUE(Has("heimdall_heals_failed_total" + labels)) << reason;
  }
  EXPECT_EQ(Text().find("reason=\"none\""), std::string::npos);
}

TEST_F(HealMetricsTest, AlertOutcomesStartAtZero) {
  EXPECT_TRUE(
      Has("heimdall_alerts_total{outcome=\"dropped\",target=\"default\"} 0"));
  metrics_->CountAlert("sent");
  metrics_->CountAlertHealRequest("matched");
  EXPECT_TRUE(
      Has("heimdall_alerts_total{outcome=\"sent\",target=\"default\"} 1"));
  EXPECT_TRUE(
      Has("heimdall_alert_heal_requests_total{result=\"matched\","
          "target=\"default\"} 1"));
}

TEST(HealMetrics, ANameClashIsAnError) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter().Name("heimdall_paused").Register(*registry);
  Result<std::unique_ptr<HealMetrics>> made =
      HealMetrics::Create(registry, "default");
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().message().find("registering heal metrics"),
            std::string::npos);
}

}  // namespace
}  // namespace heimdall::healer
