#include "healer/alerts.h"

#include <ctime>

namespace heimdall::healer {
namespace {

Result<Labels> StringMap(const nlohmann::json& object, std::string_view field,
                         size_t index) {
  Labels labels;
  if (!object.is_object()) {
    return MakeError("alerts[{}].{}: not an object", index, field);
  }
  for (const auto& [key, value] : object.items()) {
    if (!value.is_string()) {
      return MakeError("alerts[{}].{}.{}: not a string", index, field, key);
    }
    labels[key] = value.get<std::string>();
  }
  return labels;
}

Result<ReceivedAlert> ParseAlert(const nlohmann::json& json, size_t index) {
  if (!json.is_object()) return MakeError("alerts[{}]: not an object", index);
  ReceivedAlert alert;
  const auto status = json.find("status");
  if (status == json.end() || !status->is_string() ||
      (*status != "firing" && *status != "resolved")) {
    return MakeError("alerts[{}].status: expected \"firing\" or \"resolved\"",
                     index);
  }
  alert.firing = *status == "firing";
  const auto labels = json.find("labels");
  if (labels == json.end())
    return MakeError("alerts[{}].labels: missing", index);
  Result<Labels> parsed = StringMap(*labels, "labels", index);
  if (!parsed.ok()) return parsed.error();
  alert.labels = std::move(*parsed);
  if (const auto annotations = json.find("annotations");
      annotations != json.end()) {
    Result<Labels> notes = StringMap(*annotations, "annotations", index);
    if (!notes.ok()) return notes.error();
    alert.annotations = std::move(*notes);
  }
  if (const auto starts = json.find("startsAt");
      starts != json.end() && starts->is_string()) {
    alert.starts_at = starts->get<std::string>();
  }
  return alert;
}

bool IsOwnAlert(const Labels& labels) {
  const auto name = labels.find("alertname");
  return name != labels.end() &&
         (name->second == kHealAlert || name->second == kHealFailedAlert ||
          name->second == kBreakerOpenAlert);
}

nlohmann::json Alert(std::string_view name, const HealEvent& event,
                     std::string_view severity, std::string summary,
                     TimePoint starts, TimePoint ends) {
  std::string description = fmt::format("generation {}", event.generation_id);
  if (event.probability) {
    description +=
        fmt::format(", failure probability {:.3f}", *event.probability);
  }
  if (!event.detail.empty()) description += ": " + event.detail;
  return {{"labels",
           {{"alertname", name},
            {"target", event.target},
            {"reason", event.reason},
            {"severity", severity}}},
          {"annotations",
           {{"summary", std::move(summary)}, {"description", description}}},
          {"startsAt", Rfc3339(starts)},
          {"endsAt", Rfc3339(ends)}};
}

}  // namespace

std::string Rfc3339(TimePoint time) {
  const int64_t ms = time.time_since_epoch().count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03}Z", text, ms % 1000);
}

Result<std::vector<ReceivedAlert>> ParseAlertmanagerWebhook(
    std::string_view body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return Error("body: not JSON");
  if (!json.is_object()) return Error("body: not a JSON object");
  const auto version = json.find("version");
  if (version == json.end() || *version != "4") {
    return Error("version: expected \"4\" (Alertmanager webhook format)");
  }
  const auto alerts = json.find("alerts");
  if (alerts == json.end() || !alerts->is_array()) {
    return Error("alerts: missing or not an array");
  }
  std::vector<ReceivedAlert> parsed;
  for (size_t i = 0; i < alerts->size(); ++i) {
    Result<ReceivedAlert> alert = ParseAlert((*alerts)[i], i);
    if (!alert.ok()) return alert.error();
    parsed.push_back(std::move(*alert));
  }
  return parsed;
}

bool MatchesHealTrigger(const Labels& labels, const Labels& matchers) {
  if (matchers.empty() || IsOwnAlert(labels)) return false;
  for (const auto& [name, value] : matchers) {
    const auto it = labels.find(name);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

nlohmann::json AlertmanagerAlerts(const HealEvent& event, TimePoint now,
                                  Duration resolve_after) {
  nlohmann::json alerts = nlohmann::json::array();
  const std::string on = fmt::format("{} of {}", event.reason, event.target);
  switch (event.kind) {
    case HealEvent::Kind::kStarted:
      alerts.push_back(Alert(kHealAlert, event, "warning",
                             "Heimdall is healing " + on, now,
                             now + resolve_after));
      break;
    case HealEvent::Kind::kDone:
      // Same labels as the start: Alertmanager resolves that alert.
      alerts.push_back(Alert(kHealAlert, event, "warning",
                             "Heimdall healed " + on, now - event.duration,
                             now));
      break;
    case HealEvent::Kind::kFailed:
      alerts.push_back(Alert(kHealFailedAlert, event, "critical",
                             "Heimdall could not heal " + on, now,
                             now + resolve_after));
      // Nothing is healing any more: the start's alert resolves.
      alerts.push_back(Alert(kHealAlert, event, "warning",
                             "Heimdall stopped healing " + on,
                             now - event.duration, now));
      break;
    case HealEvent::Kind::kBreakerOpened:
      break;  // BreakerAlert's.
  }
  return alerts;
}

BreakerAlert::BreakerAlert(std::string target, Duration resolve_after,
                           Duration resend_every)
    : target_(std::move(target)),
      resolve_after_(resolve_after),
      resend_every_(resend_every) {}

nlohmann::json BreakerAlert::Update(bool open, TimePoint now) {
  nlohmann::json alerts = nlohmann::json::array();
  if (open) {
    if (!open_since_) {
      open_since_ = now;
    } else if (now - last_sent_ < resend_every_) {
      return alerts;
    }
    last_sent_ = now;
    alerts.push_back(Make(now + resolve_after_));
  } else if (open_since_) {
    alerts.push_back(Make(now));
    open_since_.reset();
  }
  return alerts;
}

nlohmann::json BreakerAlert::Make(TimePoint ends) const {
  return {{"labels",
           {{"alertname", kBreakerOpenAlert},
            {"target", target_},
            {"severity", "critical"}}},
          {"annotations",
           {{"summary",
             "Heimdall stopped healing " + target_ + ": circuit breaker open"},
            {"description",
             "more automatic heals than the breaker allows; healing "
             "resumes after POST /api/breaker/reset"}}},
          {"startsAt", Rfc3339(*open_since_)},
          {"endsAt", Rfc3339(ends)}};
}

}  // namespace heimdall::healer
