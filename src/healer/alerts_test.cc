#include "healer/alerts.h"

#include <gtest/gtest.h>

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

// 2023-11-14T22:13:20.000Z
const TimePoint kNow = TimePoint(Duration(1'700'000'000'000));

HealEvent Event(HealEvent::Kind kind) {
  HealEvent event;
  event.kind = kind;
  event.target = "default";
  event.reason = "threshold";
  event.generation_id = 4;
  event.probability = 0.97;
  return event;
}

TEST(Rfc3339, IsUtcWithMilliseconds) {
  EXPECT_EQ(Rfc3339(kNow), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(Rfc3339(kNow + 1234ms), "2023-11-14T22:13:21.234Z");
}

TEST(AlertmanagerAlerts, AHealFiresAndItsEndResolvesTheSameAlert) {
  const nlohmann::json started =
      AlertmanagerAlerts(Event(HealEvent::Kind::kStarted), kNow, 5min);
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0]["labels"], (nlohmann::json{{"alertname", "HeimdallHeal"},
                                                  {"target", "default"},
                                                  {"reason", "threshold"},
                                                  {"severity", "warning"}}));
  EXPECT_EQ(started[0]["startsAt"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(started[0]["endsAt"], "2023-11-14T22:18:20.000Z");
  EXPECT_NE(started[0]["annotations"]["description"].get<std::string>().find(
                "generation 4, failure probability 0.970"),
            std::string::npos);

  HealEvent done = Event(HealEvent::Kind::kDone);
  done.duration = 2s;
  const nlohmann::json resolved = AlertmanagerAlerts(done, kNow + 2s, 5min);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0]["labels"], started[0]["labels"]);
  EXPECT_EQ(resolved[0]["startsAt"], started[0]["startsAt"]);
  EXPECT_EQ(resolved[0]["endsAt"], "2023-11-14T22:13:22.000Z");
}

TEST(AlertmanagerAlerts, FailedHealAndBreakerAreCritical) {
  HealEvent failed = Event(HealEvent::Kind::kFailed);
  failed.detail = "state pull exited 1";
  nlohmann::json alerts = AlertmanagerAlerts(failed, kNow, 1min);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0]["labels"]["alertname"], "HeimdallHealFailed");
  EXPECT_EQ(alerts[0]["labels"]["severity"], "critical");
  EXPECT_EQ(alerts[0]["endsAt"], "2023-11-14T22:14:20.000Z");
  // The heal's own alert (same labels as at its start) resolves now.
  EXPECT_EQ(alerts[1]["labels"],
            AlertmanagerAlerts(Event(HealEvent::Kind::kStarted), kNow,
                               1min)[0]["labels"]);
  EXPECT_EQ(alerts[1]["endsAt"], "2023-11-14T22:13:20.000Z");
  EXPECT_NE(alerts[0]["annotations"]["description"].get<std::string>().find(
                "state pull exited 1"),
            std::string::npos);
  // The breaker's alert follows its state instead (BreakerAlert).
  EXPECT_TRUE(
      AlertmanagerAlerts(Event(HealEvent::Kind::kBreakerOpened), kNow, 1min)
          .empty());
}

TEST(BreakerAlert, FiresWhileOpenAndResolvesWhenClosed) {
  BreakerAlert breaker("default", 5min, 1min);
  EXPECT_TRUE(breaker.Update(false, kNow).empty());  // Closed: nothing.

  const nlohmann::json opened = breaker.Update(true, kNow + 1s);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0]["labels"],
            (nlohmann::json{{"alertname", "HeimdallBreakerOpen"},
                            {"target", "default"},
                            {"severity", "critical"}}));
  EXPECT_EQ(opened[0]["startsAt"], "2023-11-14T22:13:21.000Z");
  EXPECT_EQ(opened[0]["endsAt"], "2023-11-14T22:18:21.000Z");

  // Still open: quiet until a minute has passed, then sent again with its
  // end pushed on, so it outlives resolve_after.
  EXPECT_TRUE(breaker.Update(true, kNow + 59s).empty());
  const nlohmann::json again = breaker.Update(true, kNow + 61s);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0]["labels"], opened[0]["labels"]);
  EXPECT_EQ(again[0]["startsAt"], opened[0]["startsAt"]);
  EXPECT_EQ(again[0]["endsAt"], "2023-11-14T22:19:21.000Z");

  // Reset: the same alert, resolved now; then nothing more.
  const nlohmann::json resolved = breaker.Update(false, kNow + 70s);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0]["labels"], opened[0]["labels"]);
  EXPECT_EQ(resolved[0]["endsAt"], "2023-11-14T22:14:30.000Z");
  EXPECT_TRUE(breaker.Update(false, kNow + 80s).empty());

  // Opening again is a new alert with its own start.
  const nlohmann::json reopened = breaker.Update(true, kNow + 90s);
  ASSERT_EQ(reopened.size(), 1u);
  EXPECT_EQ(reopened[0]["startsAt"], "2023-11-14T22:14:50.000Z");
}

TEST(MatchesHealTrigger, NeedsEveryMatcherExactly) {
  const Labels matchers = {{"alertname", "TargetDown"}, {"job", "vitals"}};
  EXPECT_TRUE(MatchesHealTrigger(
      {{"alertname", "TargetDown"}, {"job", "vitals"}, {"x", "y"}}, matchers));
  EXPECT_FALSE(MatchesHealTrigger({{"alertname", "TargetDown"}}, matchers));
  EXPECT_FALSE(MatchesHealTrigger(
      {{"alertname", "TargetDown"}, {"job", "vitals2"}}, matchers));
  // No matchers configured: nothing triggers.
  EXPECT_FALSE(MatchesHealTrigger({{"alertname", "TargetDown"}}, {}));
}

TEST(MatchesHealTrigger, NeverHealsOnHeimdallsOwnAlerts) {
  for (std::string_view own :
       {kHealAlert, kHealFailedAlert, kBreakerOpenAlert}) {
    const Labels labels = {{"alertname", std::string(own)},
                           {"target", "default"}};
    EXPECT_FALSE(MatchesHealTrigger(labels, {{"target", "default"}})) << own;
  }
}

TEST(ParseAlertmanagerWebhook, ReadsStatusLabelsAndAnnotations) {
  Result<std::vector<ReceivedAlert>> alerts = ParseAlertmanagerWebhook(R"({
    "version": "4", "status": "firing", "receiver": "heimdall",
    "groupLabels": {}, "commonLabels": {}, "externalURL": "http://x",
    "truncatedAlerts": 0,
    "alerts": [
      {"status": "firing", "labels": {"alertname": "A"},
       "annotations": {"summary": "s"}, "startsAt": "2026-12-04T19:00:00Z",
       "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "f"},
      {"status": "resolved", "labels": {"alertname": "B"}}
    ]})");
  ASSERT_TRUE(alerts.ok()) << alerts.error().message();
  ASSERT_EQ(alerts->size(), 2u);
  EXPECT_TRUE((*alerts)[0].firing);
  EXPECT_EQ((*alerts)[0].labels.at("alertname"), "A");
  EXPECT_EQ((*alerts)[0].annotations.at("summary"), "s");
  EXPECT_EQ((*alerts)[0].starts_at, "2026-12-04T19:00:00Z");
  EXPECT_FALSE((*alerts)[1].firing);
  EXPECT_TRUE((*alerts)[1].annotations.empty());
}

TEST(ParseAlertmanagerWebhook, BadAnnotationsAreRefused) {
  Result<std::vector<ReceivedAlert>> alerts = ParseAlertmanagerWebhook(
      R"({"version": "4", "alerts": [{"status": "firing", "labels": {},
          "annotations": {"n": 3}}]})");
  ASSERT_FALSE(alerts.ok());
  EXPECT_EQ(alerts.error().message(), "alerts[0].annotations.n: not a string");
}

}  // namespace
}  // namespace heimdall::healer
