// `heimdall evaluate`: replays labelled series through a detector and the
// heal policy, in process and in parallel, and measures the outcome.
//
// Two views of the same run:
//  - NAB: the detector's anomaly scores scored as the Numenta Anomaly
//    Benchmark does (nab_scorer.h), per profile.
//  - Heals: the scores replayed through healer::Decide, the decision function
//    the controller uses, with the NAB standard profile's threshold unless
//    one is given. A heal inside a labelled window is a true heal (the first
//    one per window counts), any other a false heal. Precision = true heals /
//    heals; recall = windows with a heal / windows; lead time = end of the
//    window - time of its first heal. Rows in NAB's probationary period are
//    not replayed: the detector is still learning there.
#ifndef HEIMDALL_EVALUATE_EVALUATION_H_
#define HEIMDALL_EVALUATE_EVALUATION_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "detect/detector.h"
#include "evaluate/labelled_series.h"
#include "evaluate/nab_scorer.h"
#include "healer/policy.h"

namespace heimdall::evaluate {

// The controller's default policy, adjusted for unattended replay of months
// of data: a heal on the first reading above threshold (the detector already
// reports one alert per episode) and no circuit breaker (which would stop
// all heals after the first burst and wait for an operator).
healer::HealPolicy ReplayHealPolicy();

struct EvaluationOptions {
  std::vector<CostProfile> profiles = NabProfiles();
  int threads = 0;  // 0: one per hardware thread.
  healer::HealPolicy heal_policy = ReplayHealPolicy();
  // Heal when a score is at or above this; unset: the threshold NAB chooses
  // for the "standard" profile (or the first profile).
  std::optional<double> heal_threshold;
};

struct SeriesOutcome {
  std::string name;
  std::vector<double> scores;  // One per row.
  size_t probation = 0;        // Rows not scored or replayed.
  std::vector<size_t> heals;   // Rows where the policy healed.
  size_t windows = 0;
  size_t windows_healed = 0;
  size_t false_heals = 0;             // Heals outside every window.
  std::vector<int64_t> lead_seconds;  // Per healed window, in order.
};

struct HealSummary {
  size_t heals = 0;
  size_t false_heals = 0;
  size_t windows = 0;
  size_t windows_healed = 0;
  std::optional<double> precision;  // Unset without heals.
  std::optional<double> recall;     // Unset without windows.
  std::optional<double> median_lead_seconds;
  std::optional<double> mean_lead_seconds;
};

struct EvaluationReport {
  std::string detector;           // What produced the scores.
  std::vector<ProfileScore> nab;  // One per profile, in options order.
  double heal_threshold = 0;      // Scores >= this are breaches.
  std::vector<SeriesOutcome> series;
  HealSummary heals;
  size_t rows = 0;
  double detect_seconds = 0;  // Wall time running the detector.
  double score_seconds = 0;   // Wall time scoring and replaying.
};

// Runs a fresh detector from `factory` over every series. Fails only on
// invalid options or an empty corpus.
Result<EvaluationReport> Evaluate(const std::vector<LabelledSeries>& corpus,
                                  const detect::DetectorFactory& factory,
                                  const EvaluationOptions& options);

// The same for scores computed elsewhere (e.g. a NAB results directory):
// `scores[i]` belongs to `corpus[i]` and must have as many rows. `detector`
// names their source in the report.
Result<EvaluationReport> EvaluateScores(
    const std::vector<LabelledSeries>& corpus,
    std::vector<std::vector<double>> scores, std::string detector,
    const EvaluationOptions& options);

// Replays one series' scores (one per row) through the heal policy, whose
// threshold is already set, from the end of the probationary period on.
SeriesOutcome ReplayHeals(const LabelledSeries& series,
                          std::vector<double> scores,
                          const healer::HealPolicy& policy);
// The outcome of a series that never heals.
SeriesOutcome NoHeals(const LabelledSeries& series, std::vector<double> scores);

}  // namespace heimdall::evaluate

#endif  // HEIMDALL_EVALUATE_EVALUATION_H_
