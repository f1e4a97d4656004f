#include "store/store_json.h"

#include <fmt/chrono.h>

namespace heimdall::store {
namespace {

nlohmann::json Ms(Time t) { return t.time_since_epoch().count(); }

template <typename T>
nlohmann::json OrNull(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json OrNull(const std::optional<Time>& value) {
  return value ? Ms(*value) : nlohmann::json(nullptr);
}

}  // namespace

std::string FormatTime(Time time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto ms = (time - seconds).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, ms);
}

nlohmann::json ToJson(const Generation& g) {
  return {{"id", g.id},
          {"target", g.target},
          {"provider", g.provider},
          {"status", ToString(g.status)},
          {"endpoints", g.endpoints},
          {"archive", g.archive},
          {"started_at", Ms(g.started_at)},
          {"stopped_at", OrNull(g.stopped_at)},
          {"stop_reason", g.stop_reason}};
}

nlohmann::json ToJson(const Incident& i) {
  return {{"id", i.id},
          {"target", i.target},
          {"generation_id", i.generation_id},
          {"time", Ms(i.time)},
          {"reason", i.reason},
          {"action", i.action},
          {"probability", OrNull(i.probability)},
          {"readings", i.readings},
          {"detail", i.detail}};
}

nlohmann::json ToJson(const HealAction& a) {
  return {{"id", a.id},
          {"target", a.target},
          {"incident_id", a.incident_id},
          {"from_generation", a.from_generation},
          {"to_generation", OrNull(a.to_generation)},
          {"phase", a.phase},
          {"started_at", Ms(a.started_at)},
          {"ended_at", OrNull(a.ended_at)},
          {"duration_ms", a.finished() ? nlohmann::json(a.duration().count())
                                       : nlohmann::json(nullptr)},
          {"outcome", a.outcome},
          {"error", a.error}};
}

nlohmann::json ToJson(const Sample& s) {
  return {{"id", s.id},
          {"target", s.target},
          {"generation_id", s.generation_id},
          {"time", Ms(s.time)},
          {"responsive", s.responsive},
          {"probability", OrNull(s.probability)},
          {"readings", s.readings}};
}

}  // namespace heimdall::store
