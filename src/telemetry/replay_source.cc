#include "telemetry/replay_source.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "common/csv.h"
#include "telemetry/telemetry_json.h"
#include "telemetry/timestamp.h"

namespace heimdall::telemetry {

// Which cells of a record become the time and the values of a sample.
struct ReplayLayout {
  std::optional<size_t> time;
  std::vector<size_t> cells;       // Value cells, in value order.
  std::vector<std::string> names;  // Value names, in value order.
};

namespace {

using Layout = ReplayLayout;

std::string Trimmed(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower;
}

bool LooksLikeTime(std::string_view name) {
  const std::string lower = Lower(name);
  if (lower == "timestamp" || lower == "time" || lower == "datetime" ||
      lower == "date") {
    return true;
  }
  return lower.starts_with("time ") || lower.starts_with("time[") ||
         lower.starts_with("time(");
}

Result<size_t> FindColumn(const CsvReader& reader, std::string_view name) {
  if (std::optional<size_t> index = reader.Column(name)) return *index;
  return MakeError("{}: no column '{}' (columns: {})", reader.name(), name,
                   fmt::join(reader.header(), ", "));
}

Result<std::optional<size_t>> FindTimeColumn(const CsvReader& reader,
                                             const ReplayOptions& options) {
  if (!options.timestamp_column.empty()) {
    Result<size_t> index = FindColumn(reader, options.timestamp_column);
    if (!index.ok()) return index.error();
    return std::optional<size_t>(*index);
  }
  const std::vector<std::string>& header = reader.header();
  for (size_t i = 0; i < header.size(); ++i) {
    if (LooksLikeTime(header[i])) return std::optional<size_t>(i);
  }
  return std::optional<size_t>();
}

Status SelectValues(const CsvReader& reader, const ReplayOptions& options,
                    Layout* layout) {
  if (options.columns.empty()) {
    for (size_t i = 0; i < reader.header().size(); ++i) {
      if (i != layout->time) layout->cells.push_back(i);
    }
  }
  for (const std::string& column : options.columns) {
    Result<size_t> index = FindColumn(reader, column);
    if (!index.ok()) return index.error();
    if (*index == layout->time) {
      return MakeError(
          "{}: column '{}' holds the time and cannot also be a "
          "value",
          reader.name(), column);
    }
    layout->cells.push_back(*index);
  }
  if (layout->cells.empty()) {
    return MakeError("{}: no value columns to replay", reader.name());
  }
  if (layout->cells.size() > kMaxValues) {
    return MakeError(
        "{}: {} value columns, at most {} can be replayed "
        "(choose some with the columns option)",
        reader.name(), layout->cells.size(), kMaxValues);
  }
  for (size_t cell : layout->cells)
    layout->names.push_back(reader.header()[cell]);
  return Status::Ok();
}

Status ApplyRenames(const CsvReader& reader, const ReplayOptions& options,
                    Layout* layout) {
  std::vector<std::string> renamed = layout->names;
  for (const auto& [column, name] : options.rename) {
    auto it = std::find(layout->names.begin(), layout->names.end(), column);
    if (it == layout->names.end()) {
      return MakeError(
          "{}: cannot rename '{}': not a replayed column "
          "(replayed: {})",
          reader.name(), column, fmt::join(layout->names, ", "));
    }
    renamed[it - layout->names.begin()] = name;
  }
  for (size_t i = 0; i < renamed.size(); ++i) {
    if (IsReservedKey(renamed[i])) {
      return MakeError(
          "{}: value name '{}' is reserved in telemetry JSON; "
          "rename the column",
          reader.name(), renamed[i]);
    }
    if (std::count(renamed.begin(), renamed.end(), renamed[i]) > 1) {
      return MakeError("{}: two columns would both be called '{}'",
                       reader.name(), renamed[i]);
    }
  }
  layout->names = std::move(renamed);
  return Status::Ok();
}

Result<Layout> PlanColumns(const CsvReader& reader,
                           const ReplayOptions& options) {
  Layout layout;
  Result<std::optional<size_t>> time = FindTimeColumn(reader, options);
  if (!time.ok()) return time.error();
  layout.time = *time;
  HEIMDALL_RETURN_IF_ERROR(SelectValues(reader, options, &layout));
  HEIMDALL_RETURN_IF_ERROR(ApplyRenames(reader, options, &layout));
  return layout;
}

// Reads one record's time (if the layout has a time column) and values.
Status ReadRecord(const CsvRecord& record, const Layout& layout,
                  const std::vector<std::string>& header, double* raw_time,
                  double* values) {
  if (record.cells.size() != header.size()) {
    return MakeError("expected {} cells, found {}", header.size(),
                     record.cells.size());
  }
  if (layout.time) {
    Result<double> time = ParseTimestamp(record.cells[*layout.time]);
    if (!time.ok()) return time.error().Annotate(header[*layout.time]);
    *raw_time = *time;
  }
  for (size_t i = 0; i < layout.cells.size(); ++i) {
    const std::string& cell = record.cells[layout.cells[i]];
    if (cell.empty()) {
      values[i] = kMissing;
      continue;
    }
    Result<double> value = ParseFiniteDouble(cell);
    if (!value.ok()) return value.error().Annotate(header[layout.cells[i]]);
    values[i] = *value;
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> ParseRenames(
    std::string_view text) {
  Result<std::vector<std::string>> entries = SplitCsvLine(text);
  if (!entries.ok()) return entries.error().Annotate("column map");
  std::vector<std::pair<std::string, std::string>> renames;
  for (const std::string& entry : *entries) {
    const size_t equals = entry.find('=');
    const std::string column = Trimmed(entry.substr(0, equals));
    const std::string name = equals == std::string::npos
                                 ? std::string()
                                 : Trimmed(entry.substr(equals + 1));
    if (column.empty() || name.empty()) {
      return MakeError("column map: '{}' is not file_column=name", entry);
    }
    renames.emplace_back(column, name);
  }
  return renames;
}

Result<std::unique_ptr<ReplaySource>> ReplaySource::Open(
    ReplayOptions options) {
  if (!std::isfinite(options.row_interval) || options.row_interval <= 0) {
    return MakeError(
        "replay row interval must be a positive number of "
        "seconds (got {})",
        options.row_interval);
  }
  Result<CsvReader> reader = CsvReader::Open(options.path);
  if (!reader.ok()) return reader.error();
  Result<Layout> layout = PlanColumns(*reader, options);
  if (!layout.ok()) return layout.error();

  std::unique_ptr<ReplaySource> source(new ReplaySource());
  source->name_ = options.path.filename().string();
  source->time_column_ =
      layout->time ? reader->header()[*layout->time] : std::string();
  auto schema = std::make_shared<Schema>();
  schema->subject =
      options.subject.empty() ? options.path.stem().string() : options.subject;
  schema->names = layout->names;
  source->schema_ = std::move(schema);

  HEIMDALL_RETURN_IF_ERROR(source->ReadRows(*reader, *layout, options));
  if (source->rows() == 0 && source->resumed_past_ > 0) {
    return MakeError("{}: no rows after {}", reader->name(),
                     FormatTimestamp(*options.start_after));
  }
  if (source->rows() == 0) {
    return MakeError("{}: no data rows{}", reader->name(),
                     source->skipped_ > 0 ? " (all lines malformed)" : "");
  }
  return source;
}

Status ReplaySource::ReadRows(CsvReader& reader, const Layout& layout,
                              const ReplayOptions& options) {
  const size_t width = layout.names.size();
  std::vector<double> row(width);
  CsvRecord record;
  while (true) {
    Result<bool> got = reader.Next(&record);
    Status problem = got.status();
    if (problem.ok() && !*got) break;
    double raw_time = static_cast<double>(rows()) * options.row_interval;
    if (problem.ok()) {
      problem =
          ReadRecord(record, layout, reader.header(), &raw_time, row.data());
      if (!problem.ok()) {
        problem = problem.Annotate(fmt::format("line {}", record.line));
      }
    }
    if (!problem.ok()) {
      NoteBadLine(problem, reader.name());
      continue;
    }
    if (options.start_after && raw_time <= *options.start_after) {
      ++resumed_past_;
      continue;
    }
    AddRow(raw_time, row);
  }
  if (skipped_ > 0 && options.on_bad_line == BadLinePolicy::kReject) {
    return MakeError("{}: {} malformed line{}: {}", reader.name(), skipped_,
                     skipped_ == 1 ? "" : "s", fmt::join(bad_lines_, "; "));
  }
  return Status::Ok();
}

void ReplaySource::NoteBadLine(const Status& problem,
                               std::string_view file_name) {
  ++skipped_;
  if (bad_lines_.size() >= kKeptBadLines) return;
  // The CSV reader's own errors start with the file name; drop it so every
  // entry reads "line N: reason".
  std::string_view text = problem.error().message();
  const std::string prefix = fmt::format("{}: ", file_name);
  if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  bad_lines_.emplace_back(text);
}

void ReplaySource::AddRow(double raw_time, const std::vector<double>& row) {
  const double time =
      times_.empty() ? raw_time : std::max(raw_time, times_.back());
  times_.push_back(time);
  raw_times_.push_back(raw_time);
  values_.insert(values_.end(), row.begin(), row.end());
}

Result<std::optional<Sample>> ReplaySource::Next() {
  if (next_ >= rows()) return std::optional<Sample>();
  const size_t width = schema_->names.size();
  Sample sample;
  sample.time = times_[next_];
  sample.timestamp = Timestamp(FormatTimestamp(raw_times_[next_]));
  sample.schema = schema_;
  std::copy_n(values_.begin() + next_ * width, width, sample.values.begin());
  ++next_;
  return std::optional<Sample>(sample);
}

std::string ReplaySource::Describe() const {
  return fmt::format("replay {}", name_);
}

}  // namespace heimdall::telemetry
