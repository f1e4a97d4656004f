// Labelled univariate series in the Numenta Anomaly Benchmark (NAB) layout.
//
// A corpus is a data directory of CSV files with `timestamp` and `value`
// columns, plus a windows file: a JSON object mapping each file's path
// relative to the data directory ("realKnownCause/nyc_taxi.csv") to a list of
// [start, end] timestamp pairs, the labelled anomaly windows. Timestamps are
// "YYYY-MM-DD HH:MM:SS" with an optional fraction, read as seconds on one
// clock without time zones (the corpus uses one zone per file).
//
// Everything here is plain data and free functions; errors name the file and
// line involved. Not tied to NAB's own directory names: any directory laid out
// this way works.
#ifndef HEIMDALL_EVALUATE_LABELLED_SERIES_H_
#define HEIMDALL_EVALUATE_LABELLED_SERIES_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace heimdall::evaluate {

// Rows [first, last] of a series, both inclusive: one anomaly window.
struct WindowSpan {
  size_t first = 0;
  size_t last = 0;
  size_t size() const { return last - first + 1; }
  bool operator==(const WindowSpan&) const = default;
};

// A labelled window in time, both ends inclusive, in seconds.
struct TimeWindow {
  int64_t start = 0;
  int64_t end = 0;
};

// Windows per series name, as read from a windows file.
using WindowLabels = std::map<std::string, std::vector<TimeWindow>>;

struct LabelledSeries {
  std::string name;  // Path relative to the data directory.
  // Seconds. Usually increasing, but real exports repeat timestamps and step
  // back at clock changes; rows keep file order regardless.
  std::vector<int64_t> timestamps;
  std::vector<double> values;       // One per timestamp, finite.
  std::vector<WindowSpan> windows;  // Sorted, disjoint, non-empty.
};

// Parses "YYYY-MM-DD HH:MM:SS" (or with 'T' between date and time), with an
// optional ".digits" fraction that is checked and dropped, into seconds since
// 1970-01-01 00:00:00 on the same clock. Fails naming the text otherwise.
Result<int64_t> ParseTimestamp(std::string_view text);

// Formats seconds as "YYYY-MM-DD HH:MM:SS", the inverse of ParseTimestamp.
std::string FormatTimestamp(int64_t seconds);

// Reads a windows file. Fails if it is not JSON, not an object of lists of
// [start, end] string pairs, or a window ends before it starts.
Result<WindowLabels> ReadWindowLabels(const std::filesystem::path& path);

// Maps time windows (in order) onto rows of `timestamps`, scanning in file
// order as NAB does: a window starts at the first row at or after its start
// and ends at the first row at its end (or the last row before it). Fails if
// a window covers no row after the previous window.
Result<std::vector<WindowSpan>> LocateWindows(
    const std::vector<int64_t>& timestamps,
    const std::vector<TimeWindow>& windows);

// Reads the `timestamp` and `value` columns of `data_dir / name` and places
// `windows` on its rows. Fails on a missing file or column, an unparsable
// cell, or a window that fits no row.
Result<LabelledSeries> ReadLabelledSeries(
    const std::filesystem::path& data_dir, const std::string& name,
    const std::vector<TimeWindow>& windows);

// Reads every series named in `labels`, in name order.
Result<std::vector<LabelledSeries>> ReadCorpus(
    const std::filesystem::path& data_dir, const WindowLabels& labels);

// Reads the timestamp column and the numeric column `column` of a CSV file,
// e.g. a detector's `anomaly_score` from a NAB results file. Same checks as
// ReadLabelledSeries.
struct TimedColumn {
  std::vector<int64_t> timestamps;
  std::vector<double> values;
};
Result<TimedColumn> ReadTimedColumn(const std::filesystem::path& path,
                                    std::string_view column);

}  // namespace heimdall::evaluate

#endif  // HEIMDALL_EVALUATE_LABELLED_SERIES_H_
