#include "common/csv.h"

#include <charconv>
#include <cerrno>
#include <cstring>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/ranges.h>

namespace heimdall {
namespace {

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

// Reads a quoted cell starting at line[*pos] == '"'; leaves *pos after the
// closing quote.
Result<std::string> ReadQuoted(std::string_view line, size_t* pos) {
  std::string cell;
  for (size_t i = *pos + 1; i < line.size(); ++i) {
    if (line[i] != '"') {
      cell.push_back(line[i]);
    } else if (i + 1 < line.size() && line[i + 1] == '"') {
      cell.push_back('"');  // An escaped quote.
      ++i;
    } else {
      *pos = i + 1;
      return cell;
    }
  }
  return Error("unterminated quoted cell");
}

}  // namespace

Result<std::vector<std::string>> SplitCsvLine(std::string_view line) {
  std::vector<std::string> cells;
  size_t pos = 0;
  while (true) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
    if (pos < line.size() && line[pos] == '"') {
      Result<std::string> cell = ReadQuoted(line, &pos);
      if (!cell.ok()) return cell.error();
      const size_t comma = line.find(',', pos);
      if (!Trim(line.substr(pos, comma - pos)).empty()) {
        return MakeError("text after the closing quote in column {}",
                         cells.size() + 1);
      }
      cells.push_back(std::move(cell).value());
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
      continue;
    }
    const size_t comma = line.find(',', pos);
    cells.emplace_back(Trim(line.substr(pos, comma - pos)));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return cells;
}

Result<double> ParseFiniteDouble(std::string_view text) {
  const std::string_view trimmed = Trim(text);
  if (trimmed.empty()) return Error("empty cell where a number belongs");
  std::string_view digits = trimmed;
  if (digits.front() == '+') digits.remove_prefix(1);  // from_chars refuses it.
  double value = 0;
  const auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return MakeError("'{}' is not a number", trimmed);
  }
  if (!std::isfinite(value)) {
    return MakeError("'{}' is not a finite number", trimmed);
  }
  return value;
}

CsvReader::CsvReader(std::unique_ptr<std::istream> in, std::string name)
    : in_(std::move(in)), name_(std::move(name)) {}
CsvReader::CsvReader(CsvReader&&) noexcept = default;
CsvReader& CsvReader::operator=(CsvReader&&) noexcept = default;
CsvReader::~CsvReader() = default;

Result<CsvReader> CsvReader::Open(const std::filesystem::path& path) {
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in) {
    return MakeError("cannot open {}: {}", path.string(),
                     std::strerror(errno));
  }
  CsvReader reader(std::move(in), path.string());
  HEIMDALL_RETURN_IF_ERROR(reader.ReadHeader());
  return reader;
}

Result<CsvReader> CsvReader::FromString(std::string text, std::string name) {
  CsvReader reader(std::make_unique<std::istringstream>(std::move(text)),
                   std::move(name));
  HEIMDALL_RETURN_IF_ERROR(reader.ReadHeader());
  return reader;
}

Status CsvReader::ReadHeader() {
  CsvRecord record;
  Result<bool> got = Next(&record);
  if (!got.ok()) return got.error();
  if (!*got) return MakeError("{}: empty file, expected a header line", name_);
  std::set<std::string> seen;
  for (size_t i = 0; i < record.cells.size(); ++i) {
    std::string& cell = record.cells[i];
    // A UTF-8 byte-order mark is common in spreadsheet exports.
    if (i == 0 && cell.rfind("\xEF\xBB\xBF", 0) == 0) {
      cell = std::string(Trim(std::string_view(cell).substr(3)));
    }
    if (cell.empty()) {
      return MakeError("{}: line {}: header column {} has no name", name_,
                       record.line, i + 1);
    }
    if (!seen.insert(cell).second) {
      return MakeError("{}: line {}: header names column '{}' twice", name_,
                       record.line, cell);
    }
  }
  header_ = std::move(record.cells);
  return Status::Ok();
}

std::optional<size_t> CsvReader::Column(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  return std::nullopt;
}

Result<bool> CsvReader::Next(CsvRecord* record) {
  while (std::getline(*in_, buffer_)) {
    ++line_;
    if (Trim(buffer_).empty()) continue;
    if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
    Result<std::vector<std::string>> cells = SplitCsvLine(buffer_);
    if (!cells.ok()) {
      return cells.error().Annotate(fmt::format("{}: line {}", name_, line_));
    }
    record->line = line_;
    record->cells = std::move(cells).value();
    return true;
  }
  if (in_->bad()) return MakeError("{}: read failed after line {}", name_, line_);
  return false;
}

Result<NumericTable> ReadNumericTable(CsvReader& reader,
                                      const std::vector<std::string>& columns) {
  NumericTable table;
  table.columns = columns;
  if (columns.empty()) return MakeError("{}: no columns requested", reader.name());
  std::vector<size_t> index;
  for (const std::string& column : columns) {
    std::optional<size_t> i = reader.Column(column);
    if (!i) {
      return MakeError("{}: no column '{}' in header ({})", reader.name(),
                       column, fmt::join(reader.header(), ","));
    }
    index.push_back(*i);
  }
  CsvRecord record;
  while (true) {
    Result<bool> got = reader.Next(&record);
    if (!got.ok()) return got.error();
    if (!*got) break;
    for (size_t c = 0; c < index.size(); ++c) {
      if (index[c] >= record.cells.size()) {
        return MakeError("{}: line {}: {} cells, column '{}' is missing",
                         reader.name(), record.line, record.cells.size(),
                         columns[c]);
      }
      Result<double> value = ParseFiniteDouble(record.cells[index[c]]);
      if (!value.ok()) {
        return value.error().Annotate(fmt::format(
            "{}: line {}: column '{}'", reader.name(), record.line, columns[c]));
      }
      table.values.push_back(*value);
    }
  }
  return table;
}

Result<NumericTable> ReadNumericTable(const std::filesystem::path& path,
                                      const std::vector<std::string>& columns) {
  Result<CsvReader> reader = CsvReader::Open(path);
  if (!reader.ok()) return reader.error();
  return ReadNumericTable(*reader, columns);
}

}  // namespace heimdall
