#include "healer/status_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "healer/heal_state_json.h"
#include "store/store_json.h"

namespace heimdall::healer {
namespace {

std::string Time(const std::optional<store::Time>& time) {
  return time ? store::FormatTime(*time) : "-";
}

std::string Probability(const std::optional<double>& p) {
  return p ? fmt::format("{:.3f}", *p) : "-";
}

void AppendLive(const StatusReport& report, std::string& out) {
  if (!report.live) {
    out += "no live generation\n";
    return;
  }
  const store::Generation& g = *report.live;
  out += fmt::format("live generation {} ({}), since {}\n", g.id, g.provider,
                     store::FormatTime(g.started_at));
  for (const char* role : {"simulator", "predictor"}) {
    const std::string url =
        g.endpoints.value(std::string(role) + "_url", std::string("?"));
    std::string pid = "?";
    for (const auto& p : g.endpoints.value("detail", nlohmann::json::object())
                             .value("processes", nlohmann::json::array())) {
      if (p.value("role", "") == role) pid = std::to_string(p.value("pid", 0));
    }
    out += fmt::format("  {:<10} {}  pid {}\n", role, url, pid);
  }
}

void AppendHealing(const StatusReport& report, std::string& out) {
  if (report.heal_state) {
    const HealState& h = *report.heal_state;
    out += fmt::format("healing: {}{}, {} heal(s) in a row\n",
                       h.breaker_open ? "CIRCUIT BREAKER OPEN" : "automatic",
                       h.paused ? " (PAUSED)" : "", h.consecutive_heals);
  }
  std::vector<int64_t> mttr;
  for (const store::HealAction& a : report.heals) {
    if (a.outcome == "ok") mttr.push_back(a.duration().count());
  }
  if (mttr.empty()) return;
  std::sort(mttr.begin(), mttr.end());
  out += fmt::format("heals: {} recent, MTTR median {} ms, worst {} ms\n",
                     mttr.size(), mttr[mttr.size() / 2], mttr.back());
}

void AppendGenerations(const StatusReport& report, std::string& out) {
  out += fmt::format("\n{:>5}  {:<10}  {:<24}  {:<24}  {}\n", "GEN", "STATUS",
                     "STARTED", "STOPPED", "REASON");
  for (const store::Generation& g : report.generations) {
    out += fmt::format(
        "{:>5}  {:<10}  {:<24}  {:<24}  {}\n", g.id, store::ToString(g.status),
        store::FormatTime(g.started_at), Time(g.stopped_at), g.stop_reason);
  }
}

}  // namespace

Result<StatusReport> ReadStatus(store::Store& store, std::string_view target,
                                int limit) {
  StatusReport report;
  report.target = std::string(target);
  auto generations = store.ListGenerations(target, limit);
  if (!generations.ok()) return generations.error();
  report.generations = std::move(*generations);
  auto incidents = store.ListIncidents(target, limit);
  if (!incidents.ok()) return incidents.error();
  report.incidents = std::move(*incidents);
  auto heals = store.ListHealActions(target, limit);
  if (!heals.ok()) return heals.error();
  report.heals = std::move(*heals);
  auto running = store.RunningGenerations(target);
  if (!running.ok()) return running.error();
  for (const store::Generation& g : *running) {
    if (g.status == store::GenerationStatus::kLive) report.live = g;
  }
  auto state = store.GetControl(target, "heal_state");
  if (!state.ok()) return state.error();
  if (state->has_value()) {
    Result<HealState> parsed =
        HealStateFromJson(nlohmann::json::parse(**state, nullptr, false));
    if (parsed.ok()) report.heal_state = *parsed;
  }
  return report;
}

nlohmann::json ToJson(const StatusReport& report) {
  nlohmann::json json = {{"target", report.target}};
  json["live_generation"] =
      report.live ? store::ToJson(*report.live) : nlohmann::json(nullptr);
  json["heal_state"] =
      report.heal_state ? ToJson(*report.heal_state) : nlohmann::json(nullptr);
  for (const char* key : {"generations", "incidents", "heals"}) {
    json[key] = nlohmann::json::array();
  }
  for (const auto& g : report.generations) {
    json["generations"].push_back(store::ToJson(g));
  }
  for (const auto& i : report.incidents) {
    json["incidents"].push_back(store::ToJson(i));
  }
  for (const auto& a : report.heals) json["heals"].push_back(store::ToJson(a));
  return json;
}

std::string FormatStatus(const StatusReport& report) {
  std::string out;
  AppendLive(report, out);
  AppendHealing(report, out);
  AppendGenerations(report, out);
  out += "\n" + FormatIncidents(report.incidents);
  return out;
}

std::string FormatIncidents(const std::vector<store::Incident>& incidents) {
  std::string out =
      fmt::format("{:>5}  {:<24}  {:>4}  {:<15}  {:<12}  {:>6}  {}\n", "ID",
                  "TIME", "GEN", "REASON", "ACTION", "PROB", "DETAIL");
  for (const store::Incident& i : incidents) {
    out +=
        fmt::format("{:>5}  {:<24}  {:>4}  {:<15}  {:<12}  {:>6}  {}\n", i.id,
                    store::FormatTime(i.time), i.generation_id, i.reason,
                    i.action, Probability(i.probability), i.detail);
  }
  if (incidents.empty()) out += "(no incidents)\n";
  return out;
}

}  // namespace heimdall::healer
