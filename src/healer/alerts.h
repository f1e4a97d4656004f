// Alertmanager on both sides of `heimdall up`:
//
//   out  heals, failed heals and an opened breaker become alerts for
//        Alertmanager's POST /api/v2/alerts (AlertmanagerAlerts);
//   in   Alertmanager's webhook (JSON version 4) is parsed into alerts
//        (ParseAlertmanagerWebhook) and a firing one whose labels match
//        the configured matchers asks for a heal (control_api.h).
//
// Heimdall's own alert names never trigger a heal, so a route that sends
// them back to Heimdall's webhook cannot start a heal loop.
#ifndef HEIMDALL_HEALER_ALERTS_H_
#define HEIMDALL_HEALER_ALERTS_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "healer/clock.h"
#include "healer/controller.h"

namespace heimdall::healer {

using Labels = std::map<std::string, std::string>;

inline constexpr std::string_view kHealAlert = "HeimdallHeal";
inline constexpr std::string_view kHealFailedAlert = "HeimdallHealFailed";
inline constexpr std::string_view kBreakerOpenAlert = "HeimdallBreakerOpen";

// One alert of a webhook notification.
struct ReceivedAlert {
  bool firing = false;  // "firing"; false for "resolved".
  Labels labels;
  Labels annotations;
  std::string starts_at;  // As sent (RFC 3339), "" if absent.
};

// Parses a webhook body. Fails, naming the field, if it is not JSON, its
// version is not "4", `alerts` is not an array, or an alert lacks a
// `status` of "firing" or "resolved" or a `labels` object of strings.
Result<std::vector<ReceivedAlert>> ParseAlertmanagerWebhook(
    std::string_view body);

// True if `labels` has every matcher's label with exactly its value, and
// `matchers` is not empty, and the alert is not one of Heimdall's own.
bool MatchesHealTrigger(const Labels& labels, const Labels& matchers);

// The alerts for `event` in the body format of POST /api/v2/alerts, or an
// empty array for events that are not alerted. A heal's alert resolves
// when its heal is done (same labels, endsAt now); every other alert
// resolves `resolve_after` after it starts. Labels: alertname, target,
// reason, severity.
nlohmann::json AlertmanagerAlerts(const HealEvent& event, TimePoint now,
                                  Duration resolve_after);

// "2026-12-04T19:30:12.345Z".
std::string Rfc3339(TimePoint time);

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_ALERTS_H_
