// The Numenta Anomaly Benchmark (NAB v1.1) score, computed as NAB's own
// optimise-and-score steps compute it (nab/sweeper.py):
//
//  - The first 15% of each file's rows (at most 750) are a probationary
//    period: nothing there is scored.
//  - A row is a detection when its anomaly score is >= the threshold.
//  - In each labelled window only the earliest detection counts. It earns
//    tp_weight * S(p) / S(-1), where p = -(last - i + 1) / size is its
//    relative position and S(x) = 2 / (1 + exp(5x)) - 1 the scaled sigmoid.
//    A window with no detection costs fn_weight.
//  - Every detection outside a window earns fp_weight * S(d), d being its
//    distance past the end of the preceding window over (that window's size
//    - 1), and S = -1 for d >= 3 or when no window precedes it.
//  - File scores add up over the corpus. One threshold per profile is chosen
//    for the whole corpus by sweeping every distinct anomaly score, keeping
//    the highest threshold among equal best scores.
//  - normalised = 100 * (raw - null) / (perfect - null), with null the score
//    of a detector that never fires (-fn_weight per scorable window) and
//    perfect tp_weight per labelled window.
//
// Windows of one row have no width to measure a distance past their end; a
// detection after one is scored at d = 2, as NAB's older scorer did.
#ifndef HEIMDALL_EVALUATE_NAB_SCORER_H_
#define HEIMDALL_EVALUATE_NAB_SCORER_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "common/status.h"
#include "evaluate/labelled_series.h"

namespace heimdall::evaluate {

// An application profile: how much each outcome is worth.
struct CostProfile {
  std::string name;
  double tp_weight = 1.0;
  double fp_weight = 0.11;
  double fn_weight = 1.0;
};

// NAB's three profiles, with the weights of its config/profiles.json:
// standard, reward_low_FP_rate, reward_low_FN_rate.
std::vector<CostProfile> NabProfiles();

// Reads a profiles file in NAB's format: {"name": {"CostMatrix": {"tpWeight":
// .., "fpWeight": .., "fnWeight": ..}}, ...}. Profiles come back in file
// order.
Result<std::vector<CostProfile>> ReadCostProfiles(
    const std::filesystem::path& path);

// Rows at the start of a file of `rows` rows that are not scored.
size_t ProbationaryRows(size_t rows);

// One file's anomaly scores and windows.
struct ScoringInput {
  std::string name;
  std::vector<WindowSpan> windows;  // Sorted, disjoint, within the rows.
  std::vector<double> scores;       // One finite anomaly score per row.
};

// NAB's row-level confusion counts over scored rows: a detection inside a
// window is a tp row, and so on.
struct RowCounts {
  size_t tp = 0;
  size_t fp = 0;
  size_t tn = 0;
  size_t fn = 0;
};

struct FileScore {
  std::string name;
  double score = 0;
  RowCounts counts;
  size_t windows = 0;           // Labelled windows in the file.
  size_t windows_detected = 0;  // Of those, windows with a detection.
  size_t false_positives = 0;   // Detections outside every window.
};

struct ProfileScore {
  CostProfile profile;
  // Rows scoring >= threshold are detections; +infinity means none is.
  double threshold = std::numeric_limits<double>::infinity();
  double raw = 0;      // Sum of the file scores.
  double null = 0;     // Raw score of a detector that never fires.
  double perfect = 0;  // Raw score of one earliest detection per window.
  double normalised = 0;
  RowCounts counts;
  std::vector<FileScore> files;  // In input order.
};

// Scores one corpus of anomaly scores under any number of profiles.
// Immutable after Create; safe to use from several threads.
class NabScorer {
 public:
  // Prepares the corpus (rows sorted by anomaly score once). Fails if a file
  // has no rows, a non-finite score, or windows out of order or range.
  static Result<NabScorer> Create(std::vector<ScoringInput> files);

  // NAB's optimise + score: the best corpus-wide threshold and the scores at
  // it.
  ProfileScore Score(const CostProfile& profile) const;

  // The scores at a given threshold.
  ProfileScore ScoreAt(const CostProfile& profile, double threshold) const;

  // The threshold NAB's sweep would choose for `profile`.
  double BestThreshold(const CostProfile& profile) const;

  const std::vector<ScoringInput>& files() const { return files_; }

 private:
  // A scorable row: its anomaly score and its score as a detection, per unit
  // of tp_weight (inside window `window`) or of fp_weight (window < 0).
  struct Row {
    double anomaly = 0;
    double unit = 0;
    int32_t window = -1;
  };

  explicit NabScorer(std::vector<ScoringInput> files);
  void PrepareRows();
  FileScore ScoreFile(const ScoringInput& file, const CostProfile& profile,
                      double threshold) const;

  std::vector<ScoringInput> files_;
  std::vector<Row> rows_;  // All files' scorable rows, by falling anomaly.
  size_t windows_ = 0;     // Labelled windows in the corpus.
  size_t scorable_windows_ = 0;  // Those with a row past probation.
};

// Reads a NAB results directory of one detector, e.g. results/numenta: for
// every series in `labels`, the `anomaly_score` column of
// <dir>/<category>/<detector>_<file>.csv, where <detector> is the directory's
// own name. Windows are placed by the results file's timestamps.
Result<std::vector<ScoringInput>> ReadDetectorResults(
    const std::filesystem::path& dir, const WindowLabels& labels);

}  // namespace heimdall::evaluate

#endif  // HEIMDALL_EVALUATE_NAB_SCORER_H_
