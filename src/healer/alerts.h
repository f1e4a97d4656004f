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
#include <optional>
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
// empty array for events that are not alerted here. A heal's alert
// resolves when its heal is done (same labels, endsAt now); a failed heal's
// resolves `resolve_after` after it starts. Labels: alertname, target,
// reason, severity. The breaker's alert is BreakerAlert's.
nlohmann::json AlertmanagerAlerts(const HealEvent& event, TimePoint now,
                                  Duration resolve_after);

// The breaker's alert follows the breaker's state rather than one event, so
// that it fires for as long as the breaker stays open (also across a
// restart of `heimdall up`) and resolves when it is reset. Fed the state
// every few seconds, it says what to send: the firing alert when the
// breaker opens and again every `resend_every` while it stays open (each
// time with endsAt `resolve_after` ahead, as Alertmanager expects of its
// clients), the same alert resolved (endsAt now) once it closes, else
// nothing. Labels: alertname, target, severity. Pure but for its memory.
class BreakerAlert {
 public:
  BreakerAlert(std::string target, Duration resolve_after,
               Duration resend_every);

  // An array in the body format of POST /api/v2/alerts, maybe empty.
  nlohmann::json Update(bool open, TimePoint now);

 private:
  nlohmann::json Make(TimePoint ends) const;

  std::string target_;
  Duration resolve_after_;
  Duration resend_every_;
  std::optional<TimePoint> open_since_;
  TimePoint last_sent_{};
};

// "2026-12-04T19:30:12.345Z".
std::string Rfc3339(TimePoint time);

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_ALERTS_H_
