#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <mutex>

#include "store/sqlite_db.h"

namespace heimdall::store {
namespace {

using internal::Connection;
using internal::Query;

// Migration i takes the schema from version i to i + 1. Append only: a
// released migration is never edited.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE generations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target TEXT NOT NULL,
  provider TEXT NOT NULL,
  status TEXT NOT NULL,
  endpoints TEXT NOT NULL,
  archive TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  stopped_at INTEGER,
  stop_reason TEXT NOT NULL);
CREATE INDEX generations_by_target ON generations (target, id);
CREATE TABLE incidents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target TEXT NOT NULL,
  generation_id INTEGER NOT NULL,
  time INTEGER NOT NULL,
  reason TEXT NOT NULL,
  action TEXT NOT NULL,
  probability REAL,
  readings TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX incidents_by_target ON incidents (target, id);
CREATE TABLE heal_actions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target TEXT NOT NULL,
  incident_id INTEGER NOT NULL,
  from_generation INTEGER NOT NULL,
  to_generation INTEGER,
  phase TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  outcome TEXT NOT NULL,
  error TEXT NOT NULL);
CREATE INDEX heal_actions_by_target ON heal_actions (target, id);
CREATE TABLE samples (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target TEXT NOT NULL,
  generation_id INTEGER NOT NULL,
  time INTEGER NOT NULL,
  responsive INTEGER NOT NULL,
  probability REAL,
  readings TEXT NOT NULL);
CREATE INDEX samples_by_target ON samples (target, id);
CREATE TABLE control (
  target TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (target, key));
)sql",
};
static_assert(std::size(kMigrations) == SqliteStore::kSchemaVersion);

constexpr std::string_view kGenerationColumns =
    "id, target, provider, status, endpoints, archive, started_at, "
    "stopped_at, stop_reason";
constexpr std::string_view kIncidentColumns =
    "id, target, generation_id, time, reason, action, probability, "
    "readings, detail";
constexpr std::string_view kHealActionColumns =
    "id, target, incident_id, from_generation, to_generation, phase, "
    "started_at, ended_at, outcome, error";
constexpr std::string_view kSampleColumns =
    "id, target, generation_id, time, responsive, probability, readings";

std::string Select(std::string_view columns, std::string_view rest) {
  return fmt::format("SELECT {} {}", columns, rest);
}

// Parses a JSON column; damage is reported, not thrown.
Result<nlohmann::json> ParseJson(const Connection& db, const Query& query,
                                 int column, std::string_view what) {
  nlohmann::json value =
      nlohmann::json::parse(query.Text(column), nullptr, false);
  if (value.is_discarded()) {
    return db.MakeDbError(
        fmt::format("{} {}: damaged JSON", what, query.Int(0)), SQLITE_CORRUPT);
  }
  return value;
}

Result<Generation> ReadGeneration(const Connection& db, const Query& q) {
  Generation g;
  g.id = q.Int(0);
  g.target = q.Text(1);
  g.provider = q.Text(2);
  Result<GenerationStatus> status = ParseGenerationStatus(q.Text(3));
  if (!status.ok()) return status.error().Annotate(db.path());
  g.status = *status;
  Result<nlohmann::json> endpoints = ParseJson(db, q, 4, "generation");
  if (!endpoints.ok()) return endpoints.error();
  g.endpoints = std::move(*endpoints);
  Result<nlohmann::json> archive = ParseJson(db, q, 5, "generation");
  if (!archive.ok()) return archive.error();
  g.archive = std::move(*archive);
  g.started_at = q.TimeAt(6);
  g.stopped_at = q.OptionalTime(7);
  g.stop_reason = q.Text(8);
  return g;
}

Result<Incident> ReadIncident(const Connection& db, const Query& q) {
  Incident i;
  i.id = q.Int(0);
  i.target = q.Text(1);
  i.generation_id = q.Int(2);
  i.time = q.TimeAt(3);
  i.reason = q.Text(4);
  i.action = q.Text(5);
  i.probability = q.OptionalReal(6);
  Result<nlohmann::json> readings = ParseJson(db, q, 7, "incident");
  if (!readings.ok()) return readings.error();
  i.readings = std::move(*readings);
  i.detail = q.Text(8);
  return i;
}

Result<HealAction> ReadHealAction(const Connection&, const Query& q) {
  HealAction a;
  a.id = q.Int(0);
  a.target = q.Text(1);
  a.incident_id = q.Int(2);
  a.from_generation = q.Int(3);
  a.to_generation = q.OptionalInt(4);
  a.phase = q.Text(5);
  a.started_at = q.TimeAt(6);
  a.ended_at = q.OptionalTime(7);
  a.outcome = q.Text(8);
  a.error = q.Text(9);
  return a;
}

Result<Sample> ReadSample(const Connection& db, const Query& q) {
  Sample s;
  s.id = q.Int(0);
  s.target = q.Text(1);
  s.generation_id = q.Int(2);
  s.time = q.TimeAt(3);
  s.responsive = q.Int(4) != 0;
  s.probability = q.OptionalReal(5);
  Result<nlohmann::json> readings = ParseJson(db, q, 6, "sample");
  if (!readings.ok()) return readings.error();
  s.readings = std::move(*readings);
  return s;
}

// Runs a prepared query and reads every row with `read`.
template <typename T, typename Reader>
Result<std::vector<T>> ReadAll(const Connection& db, Query& query,
                               Reader read) {
  std::vector<T> rows;
  while (true) {
    Result<bool> row = query.Next();
    if (!row.ok()) return row.error();
    if (!*row) return rows;
    Result<T> value = read(db, query);
    if (!value.ok()) return value.error();
    rows.push_back(std::move(*value));
  }
}

std::string Dump(const nlohmann::json& value) {
  // Replace, not throw, on invalid UTF-8 from a misbehaving target.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

struct SqliteStore::Impl {
  std::unique_ptr<Connection> db;
  SqliteOptions options;
  std::mutex mutex;

  Result<int> SchemaVersion();
  Status Migrate();
  Status Configure();
  Status QuickCheck();
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back on error.
  template <typename Body>
  Status Transaction(Body body);

  template <typename T, typename Reader, typename... Args>
  Result<std::vector<T>> List(const std::string& sql, Reader read,
                              Args&&... args);
  template <typename... Args>
  Result<int64_t> Insert(std::string_view sql, Args&&... args);
  template <typename... Args>
  Status UpdateOne(std::string_view sql, std::string_view what, int64_t id,
                   Args&&... args);
};

template <typename Body>
Status SqliteStore::Impl::Transaction(Body body) {
  HEIMDALL_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
  Status status = body();
  if (status.ok()) status = db->Exec("COMMIT");
  if (!status.ok()) (void)db->Exec("ROLLBACK");
  return status;
}

template <typename T, typename Reader, typename... Args>
Result<std::vector<T>> SqliteStore::Impl::List(const std::string& sql,
                                               Reader read, Args&&... args) {
  Result<Query> query = db->Prepare(sql);
  if (!query.ok()) return query.error();
  (query->Bind(std::forward<Args>(args)), ...);
  return ReadAll<T>(*db, *query, read);
}

template <typename... Args>
Result<int64_t> SqliteStore::Impl::Insert(std::string_view sql,
                                          Args&&... args) {
  Result<Query> query = db->Prepare(sql);
  if (!query.ok()) return query.error();
  (query->Bind(std::forward<Args>(args)), ...);
  HEIMDALL_RETURN_IF_ERROR(query->Run());
  return db->LastInsertId();
}

// Binds `args` then `id` (the statement's last parameter).
template <typename... Args>
Status SqliteStore::Impl::UpdateOne(std::string_view sql, std::string_view what,
                                    int64_t id, Args&&... args) {
  Result<Query> query = db->Prepare(sql);
  if (!query.ok()) return query.error();
  (query->Bind(std::forward<Args>(args)), ...);
  query->Bind(id);
  HEIMDALL_RETURN_IF_ERROR(query->Run());
  if (db->Changes() != 1) {
    return MakeError("{}: updating {} {}: no such record", db->path(), what,
                     id);
  }
  return Status::Ok();
}

Result<int> SqliteStore::Impl::SchemaVersion() {
  Result<Query> query = db->Prepare("PRAGMA user_version");
  if (!query.ok()) return query.error();
  Result<bool> row = query->Next();
  if (!row.ok()) return row.error();
  return *row ? static_cast<int>(query->Int(0)) : 0;
}

Status SqliteStore::Impl::Migrate() {
  Result<int> version = SchemaVersion();
  if (!version.ok()) return version.error();
  if (*version > kSchemaVersion) {
    return MakeError("{}: schema version {} is newer than this heimdall's {}",
                     db->path(), *version, kSchemaVersion);
  }
  for (int v = *version; v < kSchemaVersion; ++v) {
    const Status migrated = Transaction([&]() -> Status {
      HEIMDALL_RETURN_IF_ERROR(db->Exec(kMigrations[v]));
      return db->Exec(fmt::format("PRAGMA user_version = {}", v + 1));
    });
    if (!migrated.ok()) {
      return migrated.Annotate(fmt::format("migrating to version {}", v + 1));
    }
  }
  return Status::Ok();
}

Status SqliteStore::Impl::Configure() {
  // The first real read: a file that is not a database fails here.
  HEIMDALL_RETURN_IF_ERROR(db->Exec(
      fmt::format("PRAGMA busy_timeout = {}", options.busy_timeout.count())));
  HEIMDALL_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode = WAL"));
  // NORMAL is durable against a crashed process (the WAL is in the OS
  // cache); only a power loss can drop the last transactions.
  HEIMDALL_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = NORMAL"));
  HEIMDALL_RETURN_IF_ERROR(Migrate());
  return QuickCheck();
}

Status SqliteStore::Impl::QuickCheck() {
  // Some damage only shows as a report row, not as an error code.
  Result<Query> query = db->Prepare("PRAGMA quick_check(1)");
  if (!query.ok()) return query.error();
  Result<bool> row = query->Next();
  if (!row.ok()) return row.error();
  if (*row && query->Text(0) != "ok") {
    return MakeError("{}: damaged database: {}", db->path(), query->Text(0));
  }
  return Status::Ok();
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const std::filesystem::path& path, SqliteOptions options) {
  if (options.max_samples < 1) {
    return MakeError("{}: max_samples must be at least 1", path.string());
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create_if_missing) flags |= SQLITE_OPEN_CREATE;
  Result<std::unique_ptr<Connection>> db = Connection::Open(path, flags);
  if (!db.ok()) return db.error();

  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  impl->options = options;
  HEIMDALL_RETURN_IF_ERROR(impl->Configure());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Result<int64_t> SqliteStore::AddGeneration(const Generation& g) {
  std::lock_guard lock(impl_->mutex);
  return impl_->Insert(
      "INSERT INTO generations (target, provider, status, endpoints, "
      "archive, started_at, stopped_at, stop_reason) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      g.target, g.provider, ToString(g.status), Dump(g.endpoints),
      Dump(g.archive), g.started_at, g.stopped_at, g.stop_reason);
}

Status SqliteStore::UpdateGeneration(const Generation& g) {
  std::lock_guard lock(impl_->mutex);
  return impl_->UpdateOne(
      "UPDATE generations SET target = ?, provider = ?, status = ?, "
      "endpoints = ?, archive = ?, started_at = ?, stopped_at = ?, "
      "stop_reason = ? WHERE id = ?",
      "generation", g.id, g.target, g.provider, ToString(g.status),
      Dump(g.endpoints), Dump(g.archive), g.started_at, g.stopped_at,
      g.stop_reason);
}

Result<std::optional<Generation>> SqliteStore::GetGeneration(int64_t id) {
  std::lock_guard lock(impl_->mutex);
  Result<std::vector<Generation>> rows = impl_->List<Generation>(
      Select(kGenerationColumns, "FROM generations WHERE id = ?"),
      ReadGeneration, id);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<Generation>();
  return std::optional<Generation>(std::move(rows->front()));
}

Result<std::vector<Generation>> SqliteStore::ListGenerations(
    std::string_view target, int limit) {
  std::lock_guard lock(impl_->mutex);
  return impl_->List<Generation>(
      Select(kGenerationColumns,
             "FROM generations WHERE target = ? ORDER BY id DESC LIMIT ?"),
      ReadGeneration, target, limit);
}

Result<std::vector<Generation>> SqliteStore::RunningGenerations(
    std::string_view target) {
  std::lock_guard lock(impl_->mutex);
  return impl_->List<Generation>(
      Select(kGenerationColumns,
             "FROM generations WHERE target = ? AND status IN "
             "('building', 'live', 'destroying') ORDER BY id"),
      ReadGeneration, target);
}

Result<int64_t> SqliteStore::AddIncident(const Incident& i) {
  std::lock_guard lock(impl_->mutex);
  return impl_->Insert(
      "INSERT INTO incidents (target, generation_id, time, reason, action, "
      "probability, readings, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      i.target, i.generation_id, i.time, i.reason, i.action, i.probability,
      Dump(i.readings), i.detail);
}

Result<std::vector<Incident>> SqliteStore::ListIncidents(
    std::string_view target, int limit) {
  std::lock_guard lock(impl_->mutex);
  return impl_->List<Incident>(
      Select(kIncidentColumns,
             "FROM incidents WHERE target = ? ORDER BY id DESC LIMIT ?"),
      ReadIncident, target, limit);
}

Result<int64_t> SqliteStore::AddHealAction(const HealAction& a) {
  std::lock_guard lock(impl_->mutex);
  return impl_->Insert(
      "INSERT INTO heal_actions (target, incident_id, from_generation, "
      "to_generation, phase, started_at, ended_at, outcome, error) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      a.target, a.incident_id, a.from_generation, a.to_generation, a.phase,
      a.started_at, a.ended_at, a.outcome, a.error);
}

Status SqliteStore::UpdateHealAction(const HealAction& a) {
  std::lock_guard lock(impl_->mutex);
  return impl_->UpdateOne(
      "UPDATE heal_actions SET target = ?, incident_id = ?, "
      "from_generation = ?, to_generation = ?, phase = ?, started_at = ?, "
      "ended_at = ?, outcome = ?, error = ? WHERE id = ?",
      "heal action", a.id, a.target, a.incident_id, a.from_generation,
      a.to_generation, a.phase, a.started_at, a.ended_at, a.outcome, a.error);
}

Result<std::vector<HealAction>> SqliteStore::ListHealActions(
    std::string_view target, int limit) {
  std::lock_guard lock(impl_->mutex);
  return impl_->List<HealAction>(
      Select(kHealActionColumns,
             "FROM heal_actions WHERE target = ? ORDER BY id DESC LIMIT ?"),
      ReadHealAction, target, limit);
}

Result<std::optional<HealAction>> SqliteStore::UnfinishedHealAction(
    std::string_view target) {
  std::lock_guard lock(impl_->mutex);
  Result<std::vector<HealAction>> rows = impl_->List<HealAction>(
      Select(kHealActionColumns,
             "FROM heal_actions WHERE target = ? AND ended_at IS NULL "
             "ORDER BY id DESC LIMIT 1"),
      ReadHealAction, target);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<HealAction>();
  return std::optional<HealAction>(std::move(rows->front()));
}

Result<int64_t> SqliteStore::AddSample(const Sample& s) {
  std::lock_guard lock(impl_->mutex);
  int64_t added = 0;
  const Status status = impl_->Transaction([&]() -> Status {
    Result<int64_t> id = impl_->Insert(
        "INSERT INTO samples (target, generation_id, time, responsive, "
        "probability, readings) VALUES (?, ?, ?, ?, ?, ?)",
        s.target, s.generation_id, s.time, s.responsive, s.probability,
        Dump(s.readings));
    if (!id.ok()) return id.error();
    added = *id;
    // Everything at or below the newest id that falls outside the window.
    Result<Query> prune = impl_->db->Prepare(
        "DELETE FROM samples WHERE target = ?1 AND id <= (SELECT id FROM "
        "samples WHERE target = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)");
    if (!prune.ok()) return prune.error();
    prune->Bind(s.target).Bind(impl_->options.max_samples);
    return prune->Run();
  });
  if (!status.ok()) return status.error();
  return added;
}

Result<std::vector<Sample>> SqliteStore::RecentSamples(std::string_view target,
                                                       int limit) {
  std::lock_guard lock(impl_->mutex);
  return impl_->List<Sample>(
      Select(kSampleColumns,
             "FROM samples WHERE target = ? ORDER BY id DESC LIMIT ?"),
      ReadSample, target, limit);
}

Result<std::optional<std::string>> SqliteStore::GetControl(
    std::string_view target, std::string_view key) {
  std::lock_guard lock(impl_->mutex);
  Result<Query> query = impl_->db->Prepare(
      "SELECT value FROM control WHERE target = ? AND key = ?");
  if (!query.ok()) return query.error();
  query->Bind(target).Bind(key);
  Result<bool> row = query->Next();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(query->Text(0));
}

Status SqliteStore::SetControl(std::string_view target, std::string_view key,
                               std::string_view value) {
  std::lock_guard lock(impl_->mutex);
  Result<Query> query = impl_->db->Prepare(
      "INSERT INTO control (target, key, value) VALUES (?, ?, ?) "
      "ON CONFLICT (target, key) DO UPDATE SET value = excluded.value");
  if (!query.ok()) return query.error();
  query->Bind(target).Bind(key).Bind(value);
  return query->Run();
}

}  // namespace heimdall::store
