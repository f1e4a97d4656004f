// A thin layer over the SQLite C API: a connection with a prepared-statement
// cache, and queries that bind by position and report errors as values.
// Private to the store layer. Not thread-safe: SqliteStore serialises use.
#ifndef HEIMDALL_STORE_SQLITE_DB_H_
#define HEIMDALL_STORE_SQLITE_DB_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace heimdall::store::internal {

class Connection;

// A cached statement in use. Binds parameters left to right; the first
// binding error is returned by Next or Run. Resets the statement when
// destroyed so the cache can hand it out again.
class Query {
 public:
  Query(Connection* connection, sqlite3_stmt* statement);
  ~Query();
  Query(Query&& other) noexcept;
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query& operator=(Query&&) = delete;

  Query& Bind(int64_t value);
  Query& Bind(int value) { return Bind(static_cast<int64_t>(value)); }
  Query& Bind(bool value) { return Bind(static_cast<int64_t>(value ? 1 : 0)); }
  Query& Bind(std::string_view value);
  Query& Bind(const std::string& value) {
    return Bind(std::string_view(value));
  }
  Query& Bind(const char* value) { return Bind(std::string_view(value)); }
  Query& Bind(Time value);
  // nullopt and non-finite values are stored as NULL.
  Query& Bind(std::optional<double> value);
  Query& Bind(std::optional<int64_t> value);
  Query& Bind(std::optional<Time> value);

  // Steps once: true if a row is ready, false when done.
  Result<bool> Next();
  // Steps until done; for statements that return no rows.
  Status Run();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;
  std::optional<double> OptionalReal(int column) const;
  std::string Text(int column) const;
  Time TimeAt(int column) const;
  std::optional<Time> OptionalTime(int column) const;

 private:
  void Check(int code);

  Connection* connection_;
  sqlite3_stmt* statement_;
  int next_parameter_ = 1;
  int bind_error_ = 0;
};

class Connection {
 public:
  // `flags` are SQLITE_OPEN_* flags.
  static Result<std::unique_ptr<Connection>> Open(
      const std::filesystem::path& path, int flags);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A statement for `sql`, prepared on first use and cached after.
  Result<Query> Prepare(std::string_view sql);
  // Runs one or more statements with no parameters (pragmas, DDL, BEGIN).
  Status Exec(std::string_view sql);
  int64_t LastInsertId() const;
  int Changes() const;

  // "PATH: WHAT: sqlite's message".
  Error MakeDbError(std::string_view what) const;
  Error MakeDbError(std::string_view what, int code) const;
  const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path);

  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
};

}  // namespace heimdall::store::internal

#endif  // HEIMDALL_STORE_SQLITE_DB_H_
