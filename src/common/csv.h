// Reading comma-separated files as they come from real systems.
//
// Real exports are messy: headers carry stray spaces, lines end in CRLF,
// cells are blank, some lines are broken. CsvReader keeps file order, trims
// cells, understands RFC 4180 double quotes within one line, and reports every
// problem with its 1-based line number so callers can skip or reject it.
#ifndef HEIMDALL_COMMON_CSV_H_
#define HEIMDALL_COMMON_CSV_H_

#include <cstddef>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace heimdall {

struct CsvRecord {
  size_t line = 0;                 // 1-based line number in the source.
  std::vector<std::string> cells;  // Trimmed, quotes removed.
};

// Reads records one at a time. Not thread-safe; movable, not copyable.
class CsvReader {
 public:
  // Opens `path` and reads its header line. Fails if the file cannot be read,
  // is empty, or its header has an empty or repeated column name.
  static Result<CsvReader> Open(const std::filesystem::path& path);
  // The same over text in memory; `name` is used in error messages.
  static Result<CsvReader> FromString(std::string text,
                                      std::string name = "<input>");

  CsvReader(CsvReader&&) noexcept;
  CsvReader& operator=(CsvReader&&) noexcept;
  ~CsvReader();

  // Column names, trimmed, in file order.
  const std::vector<std::string>& header() const { return header_; }
  // The index of the column called `name`, if there is one.
  std::optional<size_t> Column(std::string_view name) const;
  // The file name or the name given to FromString.
  const std::string& name() const { return name_; }

  // Reads the next record, skipping blank lines. Returns true and fills
  // `record` on success, false at the end of input, or an error naming the
  // line for a line that cannot be split (an unterminated quote). A record may
  // have more or fewer cells than the header: callers decide.
  Result<bool> Next(CsvRecord* record);

 private:
  CsvReader(std::unique_ptr<std::istream> in, std::string name);
  Status ReadHeader();

  std::unique_ptr<std::istream> in_;
  std::string name_;
  std::vector<std::string> header_;
  size_t line_ = 0;
  std::string buffer_;
};

// Splits one line (without its end-of-line) into trimmed cells. Fails on an
// unterminated quoted cell or text after a closing quote.
Result<std::vector<std::string>> SplitCsvLine(std::string_view line);

// Parses a finite decimal number, allowing surrounding spaces. Fails with a
// message naming the text on anything else, including blanks, "nan" and "inf".
Result<double> ParseFiniteDouble(std::string_view text);

// A dense table of numbers read from named columns, row-major.
struct NumericTable {
  std::vector<std::string> columns;
  std::vector<double> values;  // rows() * columns.size() values.
  size_t rows() const {
    return columns.empty() ? 0 : values.size() / columns.size();
  }
  const double* row(size_t i) const { return &values[i * columns.size()]; }
};

// Reads `columns` (in that order) from every record of the CSV file at
// `path`. Strict: any missing column, short line, blank or non-numeric cell
// fails with the file name and line number, so no row is silently dropped.
Result<NumericTable> ReadNumericTable(const std::filesystem::path& path,
                                      const std::vector<std::string>& columns);
Result<NumericTable> ReadNumericTable(CsvReader& reader,
                                      const std::vector<std::string>& columns);

}  // namespace heimdall

#endif  // HEIMDALL_COMMON_CSV_H_
