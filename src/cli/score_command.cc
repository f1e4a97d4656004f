// heimdall score: score every row of a CSV file with a model file.
//
// Rows are streamed in chunks, so a bad line late in a file stops the run
// (exit 1, naming the line) after the rows before it have been written.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/csv.h"
#include "model/model_file.h"

namespace heimdall::cli {
namespace {

// Rows scored per batch: large enough for the batch kernel, small enough
// that memory stays flat for any file size.
constexpr size_t kChunkRows = 4096;

struct ScoreFlags {
  std::string model;
  std::string input;
};

// A cell as CSV text: quoted when it holds a comma, quote or line break.
std::string CsvCell(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

// The name for an added column: `name`, or "heimdall_<name>" if the input
// already has a column called that.
std::string AddedColumn(const CsvReader& reader, const std::string& name) {
  if (!reader.Column(name).has_value()) return name;
  spdlog::warn(
      "{} already has a '{}' column; the score is in "
      "'heimdall_{}'",
      reader.name(), name, name);
  return "heimdall_" + name;
}

Result<std::vector<size_t>> FeatureColumns(const CsvReader& reader,
                                           const model::Model& model) {
  std::vector<size_t> columns;
  for (const std::string& feature : model.features()) {
    std::optional<size_t> column = reader.Column(feature);
    if (!column.has_value()) {
      return MakeError("{}: no column '{}', which the model needs",
                       reader.name(), feature);
    }
    columns.push_back(*column);
  }
  return columns;
}

Status WriteStdout(const fmt::memory_buffer& text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
      std::fflush(stdout) != 0) {
    return MakeError("writing to stdout: {}", std::strerror(errno));
  }
  return Status::Ok();
}

// Reads up to kChunkRows records and their feature values. Every record must
// have exactly one cell per header column and a number in each feature
// column, so no row is silently dropped or misaligned.
Status ReadChunk(CsvReader& reader, const std::vector<size_t>& columns,
                 std::vector<CsvRecord>* records, std::vector<double>* x) {
  records->clear();
  x->clear();
  CsvRecord record;
  while (records->size() < kChunkRows) {
    Result<bool> more = reader.Next(&record);
    if (!more.ok()) return more.error();
    if (!*more) break;
    if (record.cells.size() != reader.header().size()) {
      return MakeError("{}: line {}: {} cells, but the header has {}",
                       reader.name(), record.line, record.cells.size(),
                       reader.header().size());
    }
    for (size_t column : columns) {
      Result<double> value = ParseFiniteDouble(record.cells[column]);
      if (!value.ok()) {
        return value.error().Annotate(fmt::format("{}: line {}: column '{}'",
                                                  reader.name(), record.line,
                                                  reader.header()[column]));
      }
      x->push_back(*value);
    }
    records->push_back(std::move(record));
  }
  return Status::Ok();
}

void AppendRows(const std::vector<CsvRecord>& records,
                const std::vector<double>& decisions, const model::Model& model,
                fmt::memory_buffer* out) {
  auto it = std::back_inserter(*out);
  for (size_t i = 0; i < records.size(); ++i) {
    for (const std::string& cell : records[i].cells) {
      fmt::format_to(it, "{},", CsvCell(cell));
    }
    // 17 significant digits: the exact double, for parity checks.
    fmt::format_to(it, "{:.17g},{}\n", decisions[i],
                   model.FailureProbability(decisions[i]));
  }
}

Status WriteHeader(const CsvReader& reader) {
  fmt::memory_buffer out;
  for (const std::string& name : reader.header()) {
    fmt::format_to(std::back_inserter(out), "{},", CsvCell(name));
  }
  fmt::format_to(std::back_inserter(out), "{},{}\n",
                 CsvCell(AddedColumn(reader, "decision")),
                 CsvCell(AddedColumn(reader, "failure_probability")));
  return WriteStdout(out);
}

Result<int> RunScore(const ScoreFlags& flags) {
  Result<model::Model> model = model::LoadModel(flags.model);
  if (!model.ok()) return model.error();
  Result<CsvReader> reader = CsvReader::Open(flags.input);
  if (!reader.ok()) return reader.error();
  Result<std::vector<size_t>> columns = FeatureColumns(*reader, *model);
  if (!columns.ok()) return columns.error();
  HEIMDALL_RETURN_IF_ERROR(WriteHeader(*reader));

  std::vector<CsvRecord> records;
  std::vector<double> x;
  std::vector<double> decisions;
  do {
    HEIMDALL_RETURN_IF_ERROR(ReadChunk(*reader, *columns, &records, &x));
    decisions.resize(records.size());
    model->DecisionBatch(x.data(), records.size(), decisions.data());
    fmt::memory_buffer out;
    AppendRows(records, decisions, *model, &out);
    HEIMDALL_RETURN_IF_ERROR(WriteStdout(out));
  } while (records.size() == kChunkRows);
  return 0;
}

}  // namespace

Command AddScoreCommand(CLI::App& root) {
  auto flags = std::make_shared<ScoreFlags>();
  CLI::App* app =
      root.add_subcommand("score",
                          "Score a CSV file: print its rows with decision and "
                          "failure_probability columns added");
  app->add_option("--model", flags->model, "Model file from heimdall train")
      ->required();
  app->add_option("--input", flags->input,
                  "CSV file with the model's "
                  "feature columns and a header row")
      ->required();
  return {app, [flags] { return RunScore(*flags); }};
}

}  // namespace heimdall::cli
