#include "evaluate/evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "evaluate/parallel.h"

namespace heimdall::evaluate {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<double> RunDetector(const LabelledSeries& series,
                                const detect::DetectorFactory& factory) {
  std::unique_ptr<detect::Detector> detector = factory.Make();
  std::vector<double> scores(series.values.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    scores[i] = detector->Push(series.timestamps[i], series.values[i]);
  }
  return scores;
}

// The index of the window holding `row`, if any.
std::optional<size_t> WindowOf(const std::vector<WindowSpan>& windows,
                               size_t row) {
  const auto after = std::upper_bound(
      windows.begin(), windows.end(), row,
      [](size_t r, const WindowSpan& w) { return r < w.first; });
  if (after == windows.begin() || std::prev(after)->last < row) {
    return std::nullopt;
  }
  return static_cast<size_t>(std::prev(after) - windows.begin());
}

healer::TimePoint TimeOf(int64_t seconds) {
  return healer::TimePoint(healer::Duration(seconds * 1000));
}

HealSummary Summarise(const std::vector<SeriesOutcome>& series) {
  HealSummary summary;
  std::vector<double> leads;
  for (const SeriesOutcome& s : series) {
    summary.heals += s.heals.size();
    summary.false_heals += s.false_heals;
    summary.windows += s.windows;
    summary.windows_healed += s.windows_healed;
    leads.insert(leads.end(), s.lead_seconds.begin(), s.lead_seconds.end());
  }
  if (summary.heals > 0) {
    summary.precision =
        static_cast<double>(summary.heals - summary.false_heals) /
        static_cast<double>(summary.heals);
  }
  if (summary.windows > 0) {
    summary.recall = static_cast<double>(summary.windows_healed) /
                     static_cast<double>(summary.windows);
  }
  if (!leads.empty()) {
    std::sort(leads.begin(), leads.end());
    const size_t mid = leads.size() / 2;
    summary.median_lead_seconds =
        leads.size() % 2 ? leads[mid] : (leads[mid - 1] + leads[mid]) / 2;
    double total = 0;
    for (double lead : leads) total += lead;
    summary.mean_lead_seconds = total / static_cast<double>(leads.size());
  }
  return summary;
}

// The policy threshold that makes "score > it" mean "score >= threshold",
// or nothing if no score in [0, 1] can reach `threshold`.
std::optional<double> PolicyThreshold(double threshold) {
  if (!(threshold <= 1.0)) return std::nullopt;
  return std::clamp(std::nextafter(threshold, 0.0), 0.0,
                    std::nextafter(1.0, 0.0));
}

Status CheckCorpus(const std::vector<LabelledSeries>& corpus,
                   const std::vector<std::vector<double>>& scores) {
  if (corpus.empty()) return Error("no series to evaluate");
  if (scores.size() != corpus.size()) {
    return MakeError("{} score series for {} series", scores.size(),
                     corpus.size());
  }
  for (size_t i = 0; i < corpus.size(); ++i) {
    if (scores[i].size() != corpus[i].values.size()) {
      return MakeError("{}: {} scores for {} rows", corpus[i].name,
                       scores[i].size(), corpus[i].values.size());
    }
  }
  return Status::Ok();
}

std::vector<ScoringInput> ScoringInputs(
    const std::vector<LabelledSeries>& corpus,
    const std::vector<std::vector<double>>& scores) {
  std::vector<ScoringInput> inputs;
  inputs.reserve(corpus.size());
  for (size_t i = 0; i < corpus.size(); ++i) {
    inputs.push_back({corpus[i].name, corpus[i].windows, scores[i]});
  }
  return inputs;
}

double ChooseHealThreshold(const std::vector<ProfileScore>& nab,
                           const EvaluationOptions& options) {
  if (options.heal_threshold) return *options.heal_threshold;
  for (const ProfileScore& score : nab) {
    if (score.profile.name == "standard") return score.threshold;
  }
  return nab.empty() ? std::numeric_limits<double>::infinity()
                     : nab.front().threshold;
}

}  // namespace

healer::HealPolicy ReplayHealPolicy() {
  healer::HealPolicy policy;
  policy.sustained_count = 1;
  policy.breaker.max_heals = 0;
  return policy;
}

SeriesOutcome ReplayHeals(const LabelledSeries& series,
                          std::vector<double> scores,
                          const healer::HealPolicy& policy) {
  SeriesOutcome out = NoHeals(series, {});
  std::vector<std::optional<int64_t>> leads(series.windows.size());
  healer::HealState state;
  int64_t now = series.timestamps.empty() ? 0 : series.timestamps.front();
  for (size_t i = out.probation; i < series.values.size(); ++i) {
    // Exports step back at clock changes; the policy's clock must not.
    now = std::max(now, series.timestamps[i]);
    const healer::Observation poll{TimeOf(now), true, scores[i]};
    healer::Step step = healer::Decide(policy, state, poll);
    state = std::move(step.state);
    if (step.decision.action != healer::Action::kHeal) continue;
    out.heals.push_back(i);
    state = healer::OnGenerationBuilt(policy, std::move(state), poll.time);
    const std::optional<size_t> window = WindowOf(series.windows, i);
    if (!window) {
      ++out.false_heals;
    } else if (!leads[*window]) {
      leads[*window] = series.timestamps[series.windows[*window].last] -
                       series.timestamps[i];
    }
  }
  for (const std::optional<int64_t>& lead : leads) {
    if (lead) out.lead_seconds.push_back(*lead);
  }
  out.windows_healed = out.lead_seconds.size();
  out.scores = std::move(scores);
  return out;
}

SeriesOutcome NoHeals(const LabelledSeries& series,
                      std::vector<double> scores) {
  SeriesOutcome out;
  out.name = series.name;
  out.probation = ProbationaryRows(series.values.size());
  out.windows = series.windows.size();
  out.scores = std::move(scores);
  return out;
}

Result<EvaluationReport> EvaluateScores(
    const std::vector<LabelledSeries>& corpus,
    std::vector<std::vector<double>> scores, std::string detector,
    const EvaluationOptions& options) {
  HEIMDALL_RETURN_IF_ERROR(CheckCorpus(corpus, scores));
  const Clock::time_point start = Clock::now();
  Result<NabScorer> scorer = NabScorer::Create(ScoringInputs(corpus, scores));
  if (!scorer.ok()) return scorer.error();

  EvaluationReport report;
  report.detector = std::move(detector);
  for (const CostProfile& profile : options.profiles) {
    report.nab.push_back(scorer->Score(profile));
  }
  report.heal_threshold = ChooseHealThreshold(report.nab, options);
  healer::HealPolicy policy = options.heal_policy;
  const std::optional<double> policy_threshold =
      PolicyThreshold(report.heal_threshold);
  if (policy_threshold) policy.threshold = *policy_threshold;
  HEIMDALL_RETURN_IF_ERROR(healer::Validate(policy).Annotate("heal policy"));

  report.series.resize(corpus.size());
  ParallelFor(corpus.size(), options.threads, [&](size_t i) {
    report.series[i] =
        policy_threshold ? ReplayHeals(corpus[i], std::move(scores[i]), policy)
                         : NoHeals(corpus[i], std::move(scores[i]));
  });
  for (const LabelledSeries& series : corpus) {
    report.rows += series.values.size();
  }
  report.heals = Summarise(report.series);
  report.score_seconds = SecondsSince(start);
  return report;
}

Result<EvaluationReport> Evaluate(const std::vector<LabelledSeries>& corpus,
                                  const detect::DetectorFactory& factory,
                                  const EvaluationOptions& options) {
  const Clock::time_point start = Clock::now();
  std::vector<std::vector<double>> scores(corpus.size());
  ParallelFor(corpus.size(), options.threads,
              [&](size_t i) { scores[i] = RunDetector(corpus[i], factory); });
  const double detect_seconds = SecondsSince(start);
  Result<EvaluationReport> report =
      EvaluateScores(corpus, std::move(scores), factory.Describe(), options);
  if (report.ok()) report->detect_seconds = detect_seconds;
  return report;
}

}  // namespace heimdall::evaluate
