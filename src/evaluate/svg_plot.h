// Plots of an evaluation, one SVG per series, readable in any browser and
// needing nothing from the network.
//
// Top panel: the series (min-max envelope per pixel column), labelled
// windows shaded red, the probationary period shaded grey. Bottom panel: the
// anomaly score (max per column) and the heal threshold. Heals are red
// vertical lines across both panels. The x axis is the row index, so clock
// jumps in the data do not distort the picture.
#ifndef HEIMDALL_EVALUATE_SVG_PLOT_H_
#define HEIMDALL_EVALUATE_SVG_PLOT_H_

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"
#include "evaluate/evaluation.h"
#include "evaluate/labelled_series.h"

namespace heimdall::evaluate {

// Precondition: outcome.scores.size() == series.values.size().
std::string RenderSeriesSvg(const LabelledSeries& series,
                            const SeriesOutcome& outcome, double threshold);

// The file name for a series' plot: its name with '/' replaced by "__" and
// ".svg" in place of its extension.
std::string PlotFileName(const std::string& series_name);

// Writes one plot per series of `report` (matching `corpus` by position)
// into `dir`, creating it if needed. Fails naming the file it could not
// write.
Status WritePlots(const std::filesystem::path& dir,
                  const std::vector<LabelledSeries>& corpus,
                  const EvaluationReport& report);

}  // namespace heimdall::evaluate

#endif  // HEIMDALL_EVALUATE_SVG_PLOT_H_
