#include "evaluate/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <system_error>

#include "evaluate/nab_scorer.h"

namespace heimdall::evaluate {
namespace {

// Layout in SVG user units.
constexpr double kWidth = 1200, kLeft = 70, kRight = 20;
constexpr double kTop = 30, kValueHeight = 260, kGap = 20, kScoreHeight = 110;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kScoreTop = kTop + kValueHeight + kGap;
constexpr double kHeight = kScoreTop + kScoreHeight + 40;
constexpr int kColumns = 1000;  // Envelope resolution.

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Maps row indices and values to SVG coordinates.
struct Scale {
  size_t rows = 1;
  double low = 0, high = 1;

  double X(double row) const {
    return kLeft + kPlotWidth * row /
                       static_cast<double>(std::max<size_t>(rows, 2) - 1);
  }
  double ValueY(double value) const {
    return kTop + kValueHeight * (1.0 - (value - low) / (high - low));
  }
  static double ScoreY(double score) {
    return kScoreTop + kScoreHeight * (1.0 - std::clamp(score, 0.0, 1.0));
  }
};

Scale MakeScale(const LabelledSeries& series) {
  Scale scale;
  scale.rows = series.values.size();
  const auto [low, high] =
      std::minmax_element(series.values.begin(), series.values.end());
  scale.low = *low;
  scale.high = *high > *low ? *high : *low + 1.0;
  const double pad = 0.05 * (scale.high - scale.low);
  scale.low -= pad;
  scale.high += pad;
  return scale;
}

std::string Rect(double x0, double x1, double y, double h, const char* fill) {
  return fmt::format(
      "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
      "fill=\"{}\"/>\n",
      x0, y, std::max(1.0, x1 - x0), h, fill);
}

std::string Shading(const LabelledSeries& series, const Scale& scale,
                    size_t probation) {
  const double full = kScoreTop + kScoreHeight - kTop;
  std::string out;
  if (probation > 0) {
    out += Rect(scale.X(0), scale.X(static_cast<double>(probation)), kTop, full,
                "#e8e8e8");
  }
  for (const WindowSpan& w : series.windows) {
    out += Rect(scale.X(static_cast<double>(w.first)),
                scale.X(static_cast<double>(w.last)), kTop, full, "#fbd3d3");
  }
  return out;
}

// A polyline through per-column extremes of `ys` (already in SVG units).
std::string Envelope(const std::vector<double>& ys, const Scale& scale,
                     const char* colour, bool max_only) {
  std::string points;
  const size_t n = ys.size();
  const size_t columns = std::min<size_t>(n, kColumns);
  for (size_t c = 0; c < columns; ++c) {
    const size_t begin = c * n / columns;
    const size_t end = std::max(begin + 1, (c + 1) * n / columns);
    const auto [top, bottom] =
        std::minmax_element(ys.begin() + begin, ys.begin() + end);
    const double x = scale.X(static_cast<double>(begin + end - 1) / 2.0);
    points += fmt::format("{:.1f},{:.1f} ", x, *top);
    if (!max_only && *bottom != *top) {
      points += fmt::format("{:.1f},{:.1f} ", x, *bottom);
    }
  }
  return fmt::format(
      "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1\" "
      "points=\"{}\"/>\n",
      colour, points);
}

std::string Axes(const LabelledSeries& series, const Scale& scale,
                 double threshold) {
  std::string out =
      fmt::format("<text x=\"{}\" y=\"18\" font-size=\"14\">{}</text>\n", kLeft,
                  Escape(series.name));
  out += fmt::format(
      "<text x=\"4\" y=\"{:.1f}\" font-size=\"11\">{:.4g}</text>\n"
      "<text x=\"4\" y=\"{:.1f}\" font-size=\"11\">{:.4g}</text>\n",
      kTop + 10, scale.high, kTop + kValueHeight, scale.low);
  out +=
      fmt::format("<text x=\"4\" y=\"{:.1f}\" font-size=\"11\">score</text>\n",
                  kScoreTop + kScoreHeight / 2);
  if (std::isfinite(threshold) && threshold <= 1.0) {
    out += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" "
        "stroke=\"#2a8a2a\" stroke-dasharray=\"4 3\"/>\n",
        kLeft, kWidth - kRight, Scale::ScoreY(threshold),
        Scale::ScoreY(threshold));
  }
  out += fmt::format(
      "<text x=\"{}\" y=\"{:.1f}\" font-size=\"11\">grey: probationary "
      "period; red band: labelled window; red line: heal; green dashes: "
      "threshold {:.4f}</text>\n",
      kLeft, kHeight - 12, threshold);
  return out;
}

std::string HealLines(const SeriesOutcome& outcome, const Scale& scale) {
  std::string out;
  for (size_t row : outcome.heals) {
    const double x = scale.X(static_cast<double>(row));
    out += fmt::format(
        "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" "
        "stroke=\"#d01010\" stroke-width=\"1\"/>\n",
        x, kTop, kScoreTop + kScoreHeight);
  }
  return out;
}

}  // namespace

std::string RenderSeriesSvg(const LabelledSeries& series,
                            const SeriesOutcome& outcome, double threshold) {
  const Scale scale = MakeScale(series);
  std::vector<double> value_ys, score_ys;
  for (double v : series.values) value_ys.push_back(scale.ValueY(v));
  // Lower y is higher on screen, so the per-column "top" is the max score.
  for (double s : outcome.scores) score_ys.push_back(Scale::ScoreY(s));

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
      "height=\"{1}\" viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      kWidth, kHeight);
  svg += Shading(series, scale, outcome.probation);
  svg += Envelope(value_ys, scale, "#1f3f9f", false);
  svg += Envelope(score_ys, scale, "#7a2a9a", true);
  svg += HealLines(outcome, scale);
  svg += Axes(series, scale, threshold);
  return svg + "</svg>\n";
}

std::string PlotFileName(const std::string& series_name) {
  std::string name = series_name;
  for (size_t at; (at = name.find('/')) != std::string::npos;) {
    name.replace(at, 1, "__");
  }
  const size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0) name.resize(dot);
  return name + ".svg";
}

Status WritePlots(const std::filesystem::path& dir,
                  const std::vector<LabelledSeries>& corpus,
                  const EvaluationReport& report) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return MakeError("creating {}: {}", dir.string(), error.message());
  }
  for (size_t i = 0; i < corpus.size() && i < report.series.size(); ++i) {
    const std::filesystem::path path = dir / PlotFileName(corpus[i].name);
    std::ofstream out(path, std::ios::binary);
    out << RenderSeriesSvg(corpus[i], report.series[i], report.heal_threshold);
    if (!out.flush()) return MakeError("writing {}: failed", path.string());
  }
  return Status::Ok();
}

}  // namespace heimdall::evaluate
