#include "evaluate/report.h"

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace heimdall::evaluate {
namespace {

using nlohmann::json;

json Optional(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

json Threshold(double threshold) {
  return std::isfinite(threshold) ? json(threshold) : json(nullptr);
}

std::string Percent(const std::optional<double>& share) {
  return share ? fmt::format("{:.1f}%", 100.0 * *share) : "-";
}

std::string Lead(const std::optional<double>& seconds) {
  return seconds ? FormatDuration(std::llround(*seconds)) : "-";
}

std::string ThresholdText(double threshold) {
  return std::isfinite(threshold) ? fmt::format("{:.6f}", threshold) : "none";
}

json ProfileJson(const ProfileScore& score) {
  return {{"profile", score.profile.name},
          {"threshold", Threshold(score.threshold)},
          {"raw", score.raw},
          {"null", score.null},
          {"perfect", score.perfect},
          {"score", score.normalised},
          {"tp", score.counts.tp},
          {"fp", score.counts.fp},
          {"tn", score.counts.tn},
          {"fn", score.counts.fn}};
}

json HealsJson(const EvaluationReport& report) {
  const HealSummary& h = report.heals;
  return {{"threshold", Threshold(report.heal_threshold)},
          {"heals", h.heals},
          {"false_heals", h.false_heals},
          {"windows", h.windows},
          {"windows_healed", h.windows_healed},
          {"precision", Optional(h.precision)},
          {"recall", Optional(h.recall)},
          {"median_lead_seconds", Optional(h.median_lead_seconds)},
          {"mean_lead_seconds", Optional(h.mean_lead_seconds)}};
}

json FileJson(const SeriesOutcome& series, const FileScore* nab) {
  json out = {{"name", series.name},
              {"rows", series.scores.size()},
              {"windows", series.windows},
              {"heals", series.heals.size()},
              {"false_heals", series.false_heals},
              {"windows_healed", series.windows_healed},
              {"lead_seconds", series.lead_seconds}};
  out["windows_detected"] = nab ? json(nab->windows_detected) : json(nullptr);
  out["false_positives"] = nab ? json(nab->false_positives) : json(nullptr);
  out["nab_raw"] = nab ? json(nab->score) : json(nullptr);
  return out;
}

const FileScore* FirstProfileFile(const EvaluationReport& report, size_t i) {
  if (report.nab.empty() || i >= report.nab.front().files.size()) {
    return nullptr;
  }
  return &report.nab.front().files[i];
}

std::string SummaryLines(const EvaluationReport& report) {
  std::string text = fmt::format(
      "detector  {}\nseries    {} ({} rows); detector {:.2f} s, scoring "
      "{:.2f} s\n\n",
      report.detector, report.series.size(), report.rows, report.detect_seconds,
      report.score_seconds);
  text += fmt::format("{:<20} {:>10} {:>9} {:>8} {:>8} {:>7}\n", "NAB profile",
                      "threshold", "raw", "null", "perfect", "score");
  for (const ProfileScore& s : report.nab) {
    text += fmt::format("{:<20} {:>10} {:>9.3f} {:>8.1f} {:>8.1f} {:>7.2f}\n",
                        s.profile.name, ThresholdText(s.threshold), s.raw,
                        s.null, s.perfect, s.normalised);
  }
  const HealSummary& h = report.heals;
  text += fmt::format(
      "\nheals at score >= {}: {} heals, {} false; precision {}, recall {} "
      "({}/{} windows); lead time median {}, mean {}\n",
      ThresholdText(report.heal_threshold), h.heals, h.false_heals,
      Percent(h.precision), Percent(h.recall), h.windows_healed, h.windows,
      Lead(h.median_lead_seconds), Lead(h.mean_lead_seconds));
  return text;
}

std::string SeriesLines(const EvaluationReport& report) {
  const std::string profile =
      report.nab.empty() ? "" : report.nab.front().profile.name;
  std::string text = fmt::format(
      "\n{:<56} {:>6} {:>7} {:>6} {:>8} {:>5} {:>5} {:>8}\n", "series", "rows",
      "windows", "fp", "nab_raw", "heals", "false", "lead");
  for (size_t i = 0; i < report.series.size(); ++i) {
    const SeriesOutcome& s = report.series[i];
    const FileScore* nab = FirstProfileFile(report, i);
    std::optional<double> lead;
    if (!s.lead_seconds.empty()) lead = s.lead_seconds.front();
    text += fmt::format(
        "{:<56} {:>6} {:>3}/{:<3} {:>6} {:>8} {:>5} {:>5} {:>8}\n", s.name,
        s.scores.size(), nab ? nab->windows_detected : 0, s.windows,
        nab ? fmt::format("{}", nab->false_positives) : "-",
        nab ? fmt::format("{:.3f}", nab->score) : "-", s.heals.size(),
        s.false_heals, Lead(lead));
  }
  if (!profile.empty()) {
    text += fmt::format(
        "(windows detected, fp rows and nab_raw under '{}'; lead of the "
        "first healed window)\n",
        profile);
  }
  return text;
}

}  // namespace

std::string FormatDuration(int64_t seconds) {
  if (seconds < 0) return "-" + FormatDuration(-seconds);
  if (seconds >= 86400) {
    return fmt::format("{}d {}h", seconds / 86400, seconds % 86400 / 3600);
  }
  if (seconds >= 3600) {
    return fmt::format("{}h {:02}m", seconds / 3600, seconds % 3600 / 60);
  }
  if (seconds >= 60) return fmt::format("{}m", seconds / 60);
  return fmt::format("{}s", seconds);
}

std::string FormatTable(const EvaluationReport& report, bool per_series) {
  std::string text = SummaryLines(report);
  if (per_series) text += SeriesLines(report);
  return text;
}

std::string FormatJson(const EvaluationReport& report) {
  json nab = json::array();
  for (const ProfileScore& score : report.nab)
    nab.push_back(ProfileJson(score));
  json files = json::array();
  for (size_t i = 0; i < report.series.size(); ++i) {
    files.push_back(FileJson(report.series[i], FirstProfileFile(report, i)));
  }
  const json root = {{"detector", report.detector},
                     {"series", report.series.size()},
                     {"rows", report.rows},
                     {"detect_seconds", report.detect_seconds},
                     {"score_seconds", report.score_seconds},
                     {"nab", nab},
                     {"heals", HealsJson(report)},
                     {"files", files}};
  return root.dump(2) + "\n";
}

}  // namespace heimdall::evaluate
