// Replays a recorded series from a CSV file, row by row, in file order.
//
// Works on the NAB corpus (columns "timestamp,value") and on vital-sign
// exports ("Time [s], HR, PULSE, RESP, SpO2") with a mapping from file columns
// to value names. The whole file is read and checked when the source is
// opened, so a file with malformed lines can be rejected before any row is
// served, and Next() is a copy from memory (as fast as the caller asks; no
// pacing). Messy input is expected:
//  - header names and cells are trimmed; CRLF and a byte-order mark are fine;
//  - a blank value cell is a missing value (kMissing), not an error;
//  - time that repeats or steps backwards keeps file order: sample.time holds
//    the largest time seen so far (so it never decreases and pacing never
//    stalls), sample.timestamp the row's own time;
//  - a malformed line (wrong number of cells, a value or time that is not a
//    number, a broken quote) is reported with its line number and, by
//    policy, skipped or makes Open fail.
#ifndef HEIMDALL_TELEMETRY_REPLAY_SOURCE_H_
#define HEIMDALL_TELEMETRY_REPLAY_SOURCE_H_

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "telemetry/sample.h"
#include "telemetry/source.h"

namespace heimdall {
class CsvReader;
}  // namespace heimdall

namespace heimdall::telemetry {

struct ReplayLayout;  // Defined in replay_source.cc.

enum class BadLinePolicy {
  kReject,  // Open fails, naming the malformed lines.
  kSkip,    // Malformed lines are left out and counted.
};

struct ReplayOptions {
  std::filesystem::path path;
  // The column with each row's time: seconds or a date and time (see
  // timestamp.h). Empty: the first column named "timestamp", "time",
  // "datetime" or "date", or starting with "time " / "time[" / "time(" (any
  // case); with no such column, rows are `row_interval` seconds apart.
  std::string timestamp_column;
  // The file columns to replay, in this order. Empty: every column but the
  // time column. At most kMaxValues.
  std::vector<std::string> columns;
  // Renames, file column -> value name (e.g. {"SpO2", "oxygen_level"}).
  // Every file column named must be replayed.
  std::vector<std::pair<std::string, std::string>> rename;
  BadLinePolicy on_bad_line = BadLinePolicy::kReject;
  double row_interval = 1.0;  // Seconds; used without a time column.
  // Rows at or before this time (seconds, as the time column reads: see
  // ParseTimestamp) are left out, so a replay resumes after the row an
  // earlier one stopped at.
  std::optional<double> start_after;
  std::string subject;  // Empty: the file name without extension.
};

// Parses "a=b,c=d" into rename pairs. Fails on an entry without '=' or with
// an empty side.
Result<std::vector<std::pair<std::string, std::string>>> ParseRenames(
    std::string_view text);

// TODO: rows are held in memory (16 bytes per row plus 8 per value: 0.5 MB
// for the largest NAB file); a multi-gigabyte export would need a streaming
// reader behind a first pass that only checks the lines.
class ReplaySource final : public TelemetrySource {
 public:
  // At most this many malformed lines are kept in bad_lines().
  static constexpr size_t kKeptBadLines = 10;

  // Reads and checks the whole file. Fails if it cannot be read, has no
  // data rows, names a column it lacks (the message lists the columns it
  // has), maps two columns to one name or to a reserved telemetry key, or
  // (under kReject) has a malformed line.
  static Result<std::unique_ptr<ReplaySource>> Open(ReplayOptions options);

  // Row after row; nullopt after the last.
  Result<std::optional<Sample>> Next() override;
  std::string Describe() const override;

  const std::shared_ptr<const Schema>& schema() const { return schema_; }
  size_t rows() const { return times_.size(); }  // Usable rows.
  size_t position() const { return next_; }      // Rows returned so far.
  // The name of the time column, or "" if rows are spaced by row_interval.
  const std::string& time_column() const { return time_column_; }
  // Malformed lines left out under kSkip, and the first kKeptBadLines of
  // them as "line N: reason".
  size_t skipped() const { return skipped_; }
  const std::vector<std::string>& bad_lines() const { return bad_lines_; }

 private:
  ReplaySource() = default;
  Status ReadRows(CsvReader& reader, const ReplayLayout& layout,
                  const ReplayOptions& options);
  void NoteBadLine(const Status& problem, std::string_view file_name);
  void AddRow(double raw_time, const std::vector<double>& row);

  std::string name_;
  std::shared_ptr<const Schema> schema_;
  std::string time_column_;
  std::vector<double> times_;      // Never decreasing.
  std::vector<double> raw_times_;  // As in the file.
  std::vector<double> values_;     // rows() x schema_->names.size().
  size_t next_ = 0;
  size_t skipped_ = 0;
  size_t resumed_past_ = 0;  // Rows left out by start_after.
  std::vector<std::string> bad_lines_;
};

}  // namespace heimdall::telemetry

#endif  // HEIMDALL_TELEMETRY_REPLAY_SOURCE_H_
