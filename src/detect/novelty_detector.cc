#include "detect/novelty_detector.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace heimdall::detect {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

int64_t CellOf(double value) {
  return static_cast<int64_t>(std::floor(std::clamp(value, -1e12, 1e12)));
}

// Maps a novelty of `cells` to (0.5, 1): any novelty outranks no novelty,
// larger ones rank higher.
double NoveltyScore(double cells, double weight) {
  return weight * (0.5 + 0.5 * (1.0 - std::exp(-cells)));
}

struct IntField {
  const char* name;
  int NoveltyOptions::*field;
  int min;
  const char* help;
};

struct RealField {
  const char* name;
  double NoveltyOptions::*field;
  double min, max;
  const char* help;
};

constexpr IntField kIntFields[] = {
    {"warmup", &NoveltyOptions::warmup, 2, "readings that fix the grid"},
    {"levels", &NoveltyOptions::levels, 1, "grid cells across the warm-up"},
    {"memory", &NoveltyOptions::memory, 1, "readings remembered"},
    {"smooth_window", &NoveltyOptions::smooth_window, 1,
     "readings in the rolling mean"},
    {"smooth_warmup", &NoveltyOptions::smooth_warmup, 0,
     "rolling means learnt before scoring"},
    {"season_slots", &NoveltyOptions::season_slots, 1, "slots per day"},
    {"season_min_count", &NoveltyOptions::season_min_count, 1,
     "readings a slot needs before scoring"},
    {"episode", &NoveltyOptions::episode, 0, "readings in an episode"},
};

constexpr RealField kRealFields[] = {
    {"min_novelty", &NoveltyOptions::min_novelty, 0, 1e9,
     "cells; smaller novelties are noise"},
    {"gap_novelty", &NoveltyOptions::gap_novelty, 0, 1e9,
     "cells credited for an unvisited cell"},
    {"smooth_resolution", &NoveltyOptions::smooth_resolution, 1e-9, 1e9,
     "grid refinement for the rolling mean"},
    {"smooth_weight", &NoveltyOptions::smooth_weight, 0, 1,
     "weight of rolling-mean novelty"},
    {"season_min_r2", &NoveltyOptions::season_min_r2, 0, 1,
     "share of variance the hour must explain"},
    {"season_min_novelty", &NoveltyOptions::season_min_novelty, 0, 1e9,
     "cells beyond the slot's range"},
    {"season_weight", &NoveltyOptions::season_weight, 0, 1,
     "weight of daily novelty"},
    {"episode_margin", &NoveltyOptions::episode_margin, 0, 1,
     "score a novelty must gain to re-alert"},
};

}  // namespace

Status Validate(const NoveltyOptions& options) {
  for (const IntField& f : kIntFields) {
    if (options.*f.field < f.min) {
      return MakeError("novelty: {} must be at least {}", f.name, f.min);
    }
  }
  for (const RealField& f : kRealFields) {
    const double value = options.*f.field;
    if (!(value >= f.min && value <= f.max)) {
      return MakeError("novelty: {} must be in [{}, {}]", f.name, f.min, f.max);
    }
  }
  return Status::Ok();
}

Result<NoveltyOptions> NoveltyOptionsFromParams(const DetectorParams& params) {
  NoveltyOptions options;
  for (const auto& [name, value] : params) {
    const auto is = [&](const auto& f) { return name == f.name; };
    const auto* i =
        std::find_if(std::begin(kIntFields), std::end(kIntFields), is);
    const auto* r =
        std::find_if(std::begin(kRealFields), std::end(kRealFields), is);
    if (i != std::end(kIntFields)) {
      if (value != std::floor(value) || std::fabs(value) > 1e9) {
        return MakeError("novelty: {} must be a whole number", name);
      }
      options.*(i->field) = static_cast<int>(value);
    } else if (r != std::end(kRealFields)) {
      options.*(r->field) = value;
    } else {
      return MakeError("novelty: no parameter '{}'", name);
    }
  }
  HEIMDALL_RETURN_IF_ERROR(Validate(options));
  return options;
}

std::vector<DetectorParamInfo> NoveltyParamInfo() {
  const NoveltyOptions defaults;
  std::vector<DetectorParamInfo> info;
  for (const IntField& f : kIntFields) {
    info.push_back({f.name, static_cast<double>(defaults.*f.field), f.help});
  }
  for (const RealField& f : kRealFields) {
    info.push_back({f.name, defaults.*f.field, f.help});
  }
  return info;
}

double ValueMemory::Push(double value, double gap_novelty) {
  double novelty = 0;
  if (!values_.empty()) {
    if (value > maxima_.front()) {
      novelty = value - maxima_.front();
    } else if (value < minima_.front()) {
      novelty = minima_.front() - value;
    } else if (!cell_counts_.contains(CellOf(value))) {
      novelty = gap_novelty;
    }
  }
  Remember(value);
  if (static_cast<int>(values_.size()) > capacity_) Forget();
  return novelty;
}

void ValueMemory::Remember(double value) {
  values_.push_back(value);
  while (!maxima_.empty() && maxima_.back() < value) maxima_.pop_back();
  maxima_.push_back(value);
  while (!minima_.empty() && minima_.back() > value) minima_.pop_back();
  minima_.push_back(value);
  ++cell_counts_[CellOf(value)];
}

void ValueMemory::Forget() {
  const double oldest = values_.front();
  values_.pop_front();
  if (maxima_.front() == oldest) maxima_.pop_front();
  if (minima_.front() == oldest) minima_.pop_front();
  const auto cell = cell_counts_.find(CellOf(oldest));
  if (--cell->second == 0) cell_counts_.erase(cell);
}

double DailyProfile::Push(int64_t timestamp, double value, int min_count) {
  const int64_t second =
      (timestamp % kSecondsPerDay + kSecondsPerDay) % kSecondsPerDay;
  Slot& slot = slots_[static_cast<size_t>(
      second * static_cast<int64_t>(slots_.size()) / kSecondsPerDay)];
  double novelty = 0;
  if (slot.count >= min_count) {
    novelty = std::max({0.0, value - slot.max, slot.min - value});
  }
  slot.min = slot.count == 0 ? value : std::min(slot.min, value);
  slot.max = slot.count == 0 ? value : std::max(slot.max, value);
  slot.sum += value;
  slot.sum_squares += value * value;
  ++slot.count;
  sum_ += value;
  sum_squares_ += value * value;
  ++count_;
  return novelty;
}

double DailyProfile::ExplainedVariance() const {
  if (count_ < 2) return 0;
  const double mean = sum_ / static_cast<double>(count_);
  const double total = sum_squares_ - static_cast<double>(count_) * mean * mean;
  if (total <= 0) return 0;
  double within = 0;
  for (const Slot& slot : slots_) {
    if (slot.count == 0) continue;
    within += slot.sum_squares -
              slot.sum * slot.sum / static_cast<double>(slot.count);
  }
  return 1.0 - within / total;
}

NoveltyDetector::NoveltyDetector(const NoveltyOptions& options)
    : options_(options),
      values_(options.memory),
      smooth_values_(options.memory),
      daily_(options.season_slots) {}

double NoveltyDetector::Push(int64_t timestamp, double value) {
  ++readings_;
  if (!cell_width_) {
    WarmUp(value);
    return 0;
  }
  const double cells = (value - warm_min_) / *cell_width_;
  double score = ValueScore(cells);
  score = std::max(score, SeasonScore(timestamp, cells));
  score = std::max(score, SmoothScore(cells));
  return Episode(score);
}

void NoveltyDetector::WarmUp(double value) {
  warm_min_ = readings_ == 1 ? value : std::min(warm_min_, value);
  warm_max_ = readings_ == 1 ? value : std::max(warm_max_, value);
  if (readings_ < options_.warmup) return;
  double width = (warm_max_ - warm_min_) / options_.levels;
  // A flat warm-up has no range; fall back to 1% of its level.
  if (width <= 0) width = std::max(1e-9, std::fabs(warm_max_) * 0.01);
  // TODO: the grid is never revised, so a series whose spread grows many
  // times over keeps reporting novelties until `memory` forgets the old
  // range; re-fixing it from the remembered range when that outgrows the
  // warm-up range would fix it (measure on NAB before changing the default).
  cell_width_ = width;
}

double NoveltyDetector::ValueScore(double cells) {
  const double novelty = values_.Push(cells, options_.gap_novelty);
  return novelty > options_.min_novelty ? NoveltyScore(novelty, 1.0) : 0.0;
}

double NoveltyDetector::SeasonScore(int64_t timestamp, double cells) {
  const double novelty =
      daily_.Push(timestamp, cells, options_.season_min_count);
  if (novelty <= options_.season_min_novelty) return 0;
  if (daily_.ExplainedVariance() <= options_.season_min_r2) return 0;
  return NoveltyScore(novelty, options_.season_weight);
}

double NoveltyDetector::SmoothScore(double cells) {
  recent_.push_back(cells);
  recent_sum_ += cells;
  if (static_cast<int>(recent_.size()) > options_.smooth_window) {
    recent_sum_ -= recent_.front();
    recent_.pop_front();
  }
  if (static_cast<int>(recent_.size()) < options_.smooth_window) return 0;

  const double mean = recent_sum_ / options_.smooth_window;
  const double fine = mean * options_.smooth_resolution;
  // Until the rolling mean has a history of its own, only learn it.
  if (++smooth_seen_ <= options_.smooth_warmup) {
    (void)smooth_values_.Push(fine, 0.0);
    return 0;
  }
  const double novelty = smooth_values_.Push(fine, options_.gap_novelty);
  if (novelty <= options_.min_novelty) return 0;
  return NoveltyScore(novelty, options_.smooth_weight);
}

double NoveltyDetector::Episode(double score) {
  if (score <= 0) return 0;
  const bool in_episode =
      last_novelty_ && readings_ - *last_novelty_ < options_.episode;
  last_novelty_ = readings_;
  if (in_episode && score < last_alert_score_ + options_.episode_margin) {
    return 0;
  }
  last_alert_score_ = score;
  return score;
}

}  // namespace heimdall::detect
