#include "evaluate/nab_scorer.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

namespace heimdall::evaluate {
namespace {

// NAB caps the probationary period at 15% of 5000 rows.
constexpr double kProbationaryFraction = 0.15;
constexpr double kMaxProbationaryRows = kProbationaryFraction * 5000;

double ScaledSigmoid(double position) {
  if (position >= 3.0) return -1.0;
  return 2.0 / (1.0 + std::exp(5.0 * position)) - 1.0;
}

// A row's detection value per unit weight, and its window (or -1).
struct RowUnit {
  double unit = 0;
  int32_t window = -1;
};

double InsideUnit(const WindowSpan& window, size_t row) {
  const double size = static_cast<double>(window.size());
  const double position = -static_cast<double>(window.last - row + 1) / size;
  return ScaledSigmoid(position) / ScaledSigmoid(-1.0);
}

double OutsideUnit(const WindowSpan* previous, size_t row) {
  if (previous == nullptr) return -1.0;
  if (previous->size() == 1) return ScaledSigmoid(2.0);
  const double distance = static_cast<double>(row - previous->last) /
                          static_cast<double>(previous->size() - 1);
  return ScaledSigmoid(distance);
}

std::vector<RowUnit> RowUnits(const ScoringInput& file) {
  std::vector<RowUnit> units(file.scores.size());
  const WindowSpan* previous = nullptr;
  size_t next = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    if (next < file.windows.size() && i >= file.windows[next].first) {
      const WindowSpan& window = file.windows[next];
      units[i] = {InsideUnit(window, i), static_cast<int32_t>(next)};
      if (i == window.last) previous = &file.windows[next++];
    } else {
      units[i] = {OutsideUnit(previous, i), -1};
    }
  }
  return units;
}

Status CheckInput(const ScoringInput& file) {
  if (file.scores.empty()) return MakeError("{}: no rows", file.name);
  for (size_t i = 0; i < file.scores.size(); ++i) {
    if (!std::isfinite(file.scores[i])) {
      return MakeError("{}: row {}: anomaly score is not finite", file.name,
                       i + 1);
    }
  }
  for (size_t w = 0; w < file.windows.size(); ++w) {
    const WindowSpan& window = file.windows[w];
    const bool ordered = w == 0 || file.windows[w - 1].last < window.first;
    if (window.last < window.first || window.last >= file.scores.size() ||
        !ordered) {
      return MakeError("{}: window {} is out of order or out of range",
                       file.name, w + 1);
    }
  }
  return Status::Ok();
}

void Add(RowCounts* total, const RowCounts& part) {
  total->tp += part.tp;
  total->fp += part.fp;
  total->tn += part.tn;
  total->fn += part.fn;
}

Result<CostProfile> ParseProfile(const std::string& name,
                                 const nlohmann::ordered_json& body) {
  const nlohmann::ordered_json* matrix =
      body.is_object() && body.contains("CostMatrix") ? &body["CostMatrix"]
                                                      : nullptr;
  CostProfile profile{name};
  for (auto [key, field] : {std::pair{"tpWeight", &profile.tp_weight},
                            std::pair{"fpWeight", &profile.fp_weight},
                            std::pair{"fnWeight", &profile.fn_weight}}) {
    if (matrix == nullptr || !matrix->contains(key) ||
        !(*matrix)[key].is_number()) {
      return MakeError("profile '{}': no number CostMatrix.{}", name, key);
    }
    *field = (*matrix)[key].get<double>();
  }
  return profile;
}

}  // namespace

std::vector<CostProfile> NabProfiles() {
  return {{"standard", 1.0, 0.11, 1.0},
          {"reward_low_FP_rate", 1.0, 0.22, 1.0},
          {"reward_low_FN_rate", 1.0, 0.11, 2.0}};
}

Result<std::vector<CostProfile>> ReadCostProfiles(
    const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return MakeError("reading profiles {}: cannot open", path.string());
  // Ordered, so profiles keep the file's order (NAB's lists standard first).
  const nlohmann::ordered_json root =
      nlohmann::ordered_json::parse(in, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return MakeError("reading profiles {}: not a JSON object", path.string());
  }
  std::vector<CostProfile> profiles;
  for (const auto& [name, body] : root.items()) {
    Result<CostProfile> profile = ParseProfile(name, body);
    if (!profile.ok()) {
      return profile.error().Annotate(
          fmt::format("reading profiles {}", path.string()));
    }
    profiles.push_back(*profile);
  }
  return profiles;
}

size_t ProbationaryRows(size_t rows) {
  const double fraction = std::floor(kProbationaryFraction * rows);
  return static_cast<size_t>(std::min(fraction, kMaxProbationaryRows));
}

Result<NabScorer> NabScorer::Create(std::vector<ScoringInput> files) {
  for (const ScoringInput& file : files) {
    HEIMDALL_RETURN_IF_ERROR(CheckInput(file));
  }
  NabScorer scorer(std::move(files));
  scorer.PrepareRows();
  return scorer;
}

NabScorer::NabScorer(std::vector<ScoringInput> files)
    : files_(std::move(files)) {}

void NabScorer::PrepareRows() {
  for (const ScoringInput& file : files_) {
    const std::vector<RowUnit> units = RowUnits(file);
    const size_t probation = ProbationaryRows(file.scores.size());
    const int32_t offset = static_cast<int32_t>(windows_);
    for (const WindowSpan& window : file.windows) {
      if (window.last >= probation) ++scorable_windows_;
    }
    windows_ += file.windows.size();
    for (size_t i = probation; i < units.size(); ++i) {
      const int32_t window =
          units[i].window < 0 ? -1 : offset + units[i].window;
      rows_.push_back({file.scores[i], units[i].unit, window});
    }
  }
  std::stable_sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
    return a.anomaly > b.anomaly;
  });
}

double NabScorer::BestThreshold(const CostProfile& profile) const {
  std::vector<double> window_value(windows_, -profile.fn_weight);
  double score = -profile.fn_weight * static_cast<double>(scorable_windows_);
  double best_score = score;
  double best_threshold = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < rows_.size();) {
    const double threshold = rows_[i].anomaly;
    for (; i < rows_.size() && rows_[i].anomaly == threshold; ++i) {
      const Row& row = rows_[i];
      if (row.window < 0) {
        score += profile.fp_weight * row.unit;
        continue;
      }
      // Only the earliest detection in a window counts, and earlier rows
      // have larger units.
      double& value = window_value[static_cast<size_t>(row.window)];
      const double candidate = profile.tp_weight * row.unit;
      if (candidate > value) {
        score += candidate - value;
        value = candidate;
      }
    }
    if (score > best_score) {
      best_score = score;
      best_threshold = threshold;
    }
  }
  return best_threshold;
}

FileScore NabScorer::ScoreFile(const ScoringInput& file,
                               const CostProfile& profile,
                               double threshold) const {
  const std::vector<RowUnit> units = RowUnits(file);
  std::vector<bool> detected(file.windows.size(), false);
  FileScore out;
  out.name = file.name;
  out.windows = file.windows.size();
  for (size_t i = ProbationaryRows(file.scores.size()); i < units.size(); ++i) {
    const bool detection = file.scores[i] >= threshold;
    const int32_t window = units[i].window;
    if (window < 0) {
      ++(detection ? out.counts.fp : out.counts.tn);
      if (detection) out.score += profile.fp_weight * units[i].unit;
      continue;
    }
    ++(detection ? out.counts.tp : out.counts.fn);
    if (detection && !detected[static_cast<size_t>(window)]) {
      detected[static_cast<size_t>(window)] = true;
      out.score += profile.tp_weight * units[i].unit;
      ++out.windows_detected;
    }
  }
  out.false_positives = out.counts.fp;
  const size_t probation = ProbationaryRows(file.scores.size());
  for (const WindowSpan& window : file.windows) {
    // A window wholly in the probationary period is not scored.
    if (window.last < probation) continue;
    if (!detected[&window - file.windows.data()])
      out.score -= profile.fn_weight;
  }
  return out;
}

ProfileScore NabScorer::ScoreAt(const CostProfile& profile,
                                double threshold) const {
  ProfileScore out;
  out.profile = profile;
  out.threshold = threshold;
  for (const ScoringInput& file : files_) {
    out.files.push_back(ScoreFile(file, profile, threshold));
    out.raw += out.files.back().score;
    Add(&out.counts, out.files.back().counts);
  }
  out.null = -profile.fn_weight * static_cast<double>(scorable_windows_);
  out.perfect = profile.tp_weight * static_cast<double>(windows_);
  const double range = out.perfect - out.null;
  out.normalised = range > 0 ? 100.0 * (out.raw - out.null) / range : 0.0;
  return out;
}

ProfileScore NabScorer::Score(const CostProfile& profile) const {
  return ScoreAt(profile, BestThreshold(profile));
}

Result<std::vector<ScoringInput>> ReadDetectorResults(
    const std::filesystem::path& dir, const WindowLabels& labels) {
  const std::filesystem::path normal = dir.lexically_normal();
  const std::string detector = normal.has_filename()
                                   ? normal.filename().string()
                                   : normal.parent_path().filename().string();
  std::vector<ScoringInput> inputs;
  for (const auto& [name, windows] : labels) {
    const std::filesystem::path relative(name);
    const std::filesystem::path path =
        dir / relative.parent_path() /
        (detector + "_" + relative.filename().string());
    Result<TimedColumn> column = ReadTimedColumn(path, "anomaly_score");
    if (!column.ok()) return column.error();
    Result<std::vector<WindowSpan>> spans =
        LocateWindows(column->timestamps, windows);
    if (!spans.ok()) {
      return spans.error().Annotate(
          fmt::format("placing windows on {}", path.string()));
    }
    inputs.push_back({name, std::move(*spans), std::move(column->values)});
  }
  return inputs;
}

}  // namespace heimdall::evaluate
