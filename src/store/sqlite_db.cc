#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <cmath>

namespace heimdall::store::internal {
namespace {

// The statement's first words, enough to say what was being done, cut at
// a word boundary: "INSERT INTO heal_actions (target, ...".
std::string Summary(const char* sql) {
  std::string_view text(sql);
  constexpr size_t kMax = 40;
  if (text.size() <= kMax) return std::string(text);
  const size_t space = text.rfind(' ', kMax);
  return std::string(text.substr(
             0, space == 0 || space == std::string_view::npos ? kMax : space)) +
         " ...";
}

}  // namespace

Query::Query(Connection* connection, sqlite3_stmt* statement)
    : connection_(connection), statement_(statement) {}

Query::Query(Query&& other) noexcept
    : connection_(other.connection_),
      statement_(other.statement_),
      next_parameter_(other.next_parameter_),
      bind_error_(other.bind_error_) {
  other.statement_ = nullptr;
}

Query::~Query() {
  if (statement_ == nullptr) return;
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

void Query::Check(int code) {
  if (code != SQLITE_OK && bind_error_ == 0) bind_error_ = code;
  ++next_parameter_;
}

Query& Query::Bind(int64_t value) {
  Check(sqlite3_bind_int64(statement_, next_parameter_, value));
  return *this;
}

Query& Query::Bind(std::string_view value) {
  Check(sqlite3_bind_text64(statement_, next_parameter_, value.data(),
                            value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Query& Query::Bind(Time value) {
  return Bind(static_cast<int64_t>(value.time_since_epoch().count()));
}

Query& Query::Bind(std::optional<double> value) {
  if (value && std::isfinite(*value)) {
    Check(sqlite3_bind_double(statement_, next_parameter_, *value));
  } else {
    Check(sqlite3_bind_null(statement_, next_parameter_));
  }
  return *this;
}

Query& Query::Bind(std::optional<int64_t> value) {
  if (value) return Bind(*value);
  Check(sqlite3_bind_null(statement_, next_parameter_));
  return *this;
}

Query& Query::Bind(std::optional<Time> value) {
  if (value) return Bind(*value);
  Check(sqlite3_bind_null(statement_, next_parameter_));
  return *this;
}

Result<bool> Query::Next() {
  if (bind_error_ != 0) {
    return connection_->MakeDbError("binding parameters", bind_error_);
  }
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  return connection_->MakeDbError(Summary(sqlite3_sql(statement_)), code);
}

Status Query::Run() {
  while (true) {
    Result<bool> row = Next();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

bool Query::IsNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

int64_t Query::Int(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::optional<int64_t> Query::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

std::optional<double> Query::OptionalReal(int column) const {
  if (IsNull(column)) return std::nullopt;
  return sqlite3_column_double(statement_, column);
}

std::string Query::Text(int column) const {
  const auto* text = sqlite3_column_text(statement_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     sqlite3_column_bytes(statement_, column));
}

Time Query::TimeAt(int column) const {
  return Time(std::chrono::milliseconds(Int(column)));
}

std::optional<Time> Query::OptionalTime(int column) const {
  if (IsNull(column)) return std::nullopt;
  return TimeAt(column);
}

Connection::Connection(sqlite3* db, std::string path)
    : db_(db), path_(std::move(path)) {}

Connection::~Connection() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close(db_);
}

Result<std::unique_ptr<Connection>> Connection::Open(
    const std::filesystem::path& path, int flags) {
  sqlite3* db = nullptr;
  const int code = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (code != SQLITE_OK) {
    Error error = MakeError("{}: opening: {}", path.string(),
                            db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
    sqlite3_close(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db, path.string()));
}

Result<Query> Connection::Prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* statement = nullptr;
    const int code =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (code != SQLITE_OK) return MakeDbError(sql, code);
    it = statements_.emplace(std::string(sql), statement).first;
  }
  return Query(this, it->second);
}

Status Connection::Exec(std::string_view sql) {
  const std::string text(sql);
  const int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return MakeDbError(sql, code);
  return Status::Ok();
}

int64_t Connection::LastInsertId() const {
  return sqlite3_last_insert_rowid(db_);
}

int Connection::Changes() const { return sqlite3_changes(db_); }

Error Connection::MakeDbError(std::string_view what) const {
  return MakeDbError(what, sqlite3_extended_errcode(db_));
}

Error Connection::MakeDbError(std::string_view what, int code) const {
  // The connection's message is about the latest failure, which is this one
  // unless the code came from elsewhere (a deferred binding error).
  const char* message = sqlite3_extended_errcode(db_) == code
                            ? sqlite3_errmsg(db_)
                            : sqlite3_errstr(code);
  return MakeError("{}: {}: {}", path_, what, message);
}

}  // namespace heimdall::store::internal
