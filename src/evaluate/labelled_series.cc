#include "evaluate/labelled_series.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/csv.h"

namespace heimdall::evaluate {
namespace {

// Reads exactly `width` decimal digits at `pos`; false if any is not a digit.
bool ReadDigits(std::string_view text, size_t pos, size_t width, int* out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

bool IsFractionOrEnd(std::string_view rest) {
  if (rest.empty()) return true;
  if (rest.front() != '.' || rest.size() < 2) return false;
  return std::all_of(rest.begin() + 1, rest.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

Result<TimeWindow> ParseWindow(const nlohmann::json& pair) {
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() ||
      !pair[1].is_string()) {
    return Error("a window must be a [start, end] pair of timestamp strings");
  }
  Result<int64_t> start = ParseTimestamp(pair[0].get<std::string>());
  if (!start.ok()) return start.error();
  Result<int64_t> end = ParseTimestamp(pair[1].get<std::string>());
  if (!end.ok()) return end.error();
  if (*end < *start) {
    return MakeError("window ends ({}) before it starts ({})",
                     pair[1].get<std::string>(), pair[0].get<std::string>());
  }
  return TimeWindow{*start, *end};
}

Result<std::vector<TimeWindow>> ParseWindowList(const nlohmann::json& list) {
  if (!list.is_array()) return Error("windows must be a list");
  std::vector<TimeWindow> windows;
  for (const nlohmann::json& pair : list) {
    Result<TimeWindow> window = ParseWindow(pair);
    if (!window.ok()) return window.error();
    windows.push_back(*window);
  }
  return windows;
}

struct TimedColumnIndex {
  size_t timestamp = 0;
  size_t value = 0;
};

Result<TimedColumnIndex> FindColumns(const CsvReader& reader,
                                     std::string_view column) {
  std::optional<size_t> timestamp = reader.Column("timestamp");
  std::optional<size_t> value = reader.Column(column);
  if (!timestamp) return Error("no 'timestamp' column");
  if (!value) return MakeError("no '{}' column", column);
  return TimedColumnIndex{*timestamp, *value};
}

Status AppendRecord(const CsvRecord& record, const TimedColumnIndex& index,
                    TimedColumn* out) {
  if (record.cells.size() <= std::max(index.timestamp, index.value)) {
    return MakeError("line {}: too few cells", record.line);
  }
  Result<int64_t> time = ParseTimestamp(record.cells[index.timestamp]);
  if (!time.ok())
    return time.error().Annotate(fmt::format("line {}", record.line));
  Result<double> value = ParseFiniteDouble(record.cells[index.value]);
  if (!value.ok()) {
    return value.error().Annotate(fmt::format("line {}", record.line));
  }
  out->timestamps.push_back(*time);
  out->values.push_back(*value);
  return Status::Ok();
}

}  // namespace

Result<int64_t> ParseTimestamp(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const bool shape_ok =
      ReadDigits(text, 0, 4, &y) && text.size() >= 19 && text[4] == '-' &&
      ReadDigits(text, 5, 2, &mo) && text[7] == '-' &&
      ReadDigits(text, 8, 2, &d) && (text[10] == ' ' || text[10] == 'T') &&
      ReadDigits(text, 11, 2, &h) && text[13] == ':' &&
      ReadDigits(text, 14, 2, &mi) && text[16] == ':' &&
      ReadDigits(text, 17, 2, &s) && IsFractionOrEnd(text.substr(19));
  using namespace std::chrono;
  const year_month_day date{year{y}, month(static_cast<unsigned>(mo)),
                            day(static_cast<unsigned>(d))};
  if (!shape_ok || !date.ok() || h > 23 || mi > 59 || s > 59) {
    return MakeError("'{}' is not a timestamp like 2014-04-10 07:15:00", text);
  }
  const int64_t days = sys_days(date).time_since_epoch().count();
  return days * 86400 + h * 3600 + mi * 60 + s;
}

std::string FormatTimestamp(int64_t seconds) {
  using namespace std::chrono;
  const int64_t day_count =
      seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  const int64_t of_day = seconds - day_count * 86400;
  const year_month_day date{sys_days(days(day_count))};
  return fmt::format(
      "{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      of_day / 3600, of_day / 60 % 60, of_day % 60);
}

Result<WindowLabels> ReadWindowLabels(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return MakeError("reading windows {}: cannot open", path.string());
  nlohmann::json root = nlohmann::json::parse(in, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return MakeError("reading windows {}: not a JSON object", path.string());
  }
  WindowLabels labels;
  for (const auto& [name, list] : root.items()) {
    Result<std::vector<TimeWindow>> windows = ParseWindowList(list);
    if (!windows.ok()) {
      return windows.error().Annotate(
          fmt::format("reading windows {}: '{}'", path.string(), name));
    }
    labels[name] = std::move(*windows);
  }
  return labels;
}

Result<std::vector<WindowSpan>> LocateWindows(
    const std::vector<int64_t>& timestamps,
    const std::vector<TimeWindow>& windows) {
  std::vector<WindowSpan> spans;
  size_t row = 0;
  for (const TimeWindow& window : windows) {
    // Scan in file order, as NAB does: real exports repeat timestamps and
    // step back at clock changes, so binary search would be wrong.
    while (row < timestamps.size() && timestamps[row] < window.start) ++row;
    const size_t first = row;
    while (row < timestamps.size() && timestamps[row] < window.end) ++row;
    const size_t last = row < timestamps.size() && timestamps[row] == window.end
                            ? row
                            : row - 1;
    if (first == timestamps.size() || last < first ||
        timestamps[first] > window.end) {
      return MakeError("window {} .. {} covers no row after the one before",
                       FormatTimestamp(window.start),
                       FormatTimestamp(window.end));
    }
    spans.push_back({first, last});
    row = last + 1;
  }
  return spans;
}

Result<TimedColumn> ReadTimedColumn(const std::filesystem::path& path,
                                    std::string_view column) {
  Result<CsvReader> reader = CsvReader::Open(path);
  if (!reader.ok()) return reader.error();
  const std::string context = fmt::format("reading {}", path.string());
  Result<TimedColumnIndex> index = FindColumns(*reader, column);
  if (!index.ok()) return index.error().Annotate(context);

  TimedColumn out;
  CsvRecord record;
  while (true) {
    Result<bool> more = reader->Next(&record);
    if (!more.ok()) return more.error().Annotate(context);
    if (!*more) break;
    HEIMDALL_RETURN_IF_ERROR(
        AppendRecord(record, *index, &out).Annotate(context));
  }
  if (out.values.empty()) return MakeError("{}: no rows", context);
  return out;
}

Result<LabelledSeries> ReadLabelledSeries(
    const std::filesystem::path& data_dir, const std::string& name,
    const std::vector<TimeWindow>& windows) {
  Result<TimedColumn> column = ReadTimedColumn(data_dir / name, "value");
  if (!column.ok()) return column.error();
  Result<std::vector<WindowSpan>> spans =
      LocateWindows(column->timestamps, windows);
  if (!spans.ok()) {
    return spans.error().Annotate(
        fmt::format("placing windows on {}", (data_dir / name).string()));
  }
  return LabelledSeries{name, std::move(column->timestamps),
                        std::move(column->values), std::move(*spans)};
}

Result<std::vector<LabelledSeries>> ReadCorpus(
    const std::filesystem::path& data_dir, const WindowLabels& labels) {
  std::vector<LabelledSeries> corpus;
  corpus.reserve(labels.size());
  for (const auto& [name, windows] : labels) {
    Result<LabelledSeries> series = ReadLabelledSeries(data_dir, name, windows);
    if (!series.ok()) return series.error();
    corpus.push_back(std::move(*series));
  }
  return corpus;
}

}  // namespace heimdall::evaluate
