// The embedded store: one SQLite file in WAL mode.
//
// WAL lets `heimdall status` read while `heimdall up` writes; a busy timeout
// rides out the short write locks. Statements are prepared once and reused.
// The schema version lives in `PRAGMA user_version`; Open applies pending
// migrations in order, each in its own transaction, and refuses a file
// written by a newer Heimdall. Thread-safe: one connection behind a mutex.
#ifndef HEIMDALL_STORE_SQLITE_STORE_H_
#define HEIMDALL_STORE_SQLITE_STORE_H_

#include <chrono>
#include <filesystem>
#include <memory>

#include "store/store.h"

namespace heimdall::store {

struct SqliteOptions {
  // Samples kept per target; older ones are pruned as new ones arrive.
  int max_samples = 10'000;
  std::chrono::milliseconds busy_timeout{5'000};
  // If false, a missing file is an error instead of a new, empty store.
  bool create_if_missing = true;
};

class SqliteStore final : public Store {
 public:
  // The schema version this build writes.
  static constexpr int kSchemaVersion = 1;

  // Opens (or creates) the store at `path`, enables WAL and migrates the
  // schema. Fails, naming the file, if it cannot be opened, is not a SQLite
  // database (or is damaged), or has a newer schema version.
  static Result<std::unique_ptr<SqliteStore>> Open(
      const std::filesystem::path& path, SqliteOptions options = {});
  ~SqliteStore() override;

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<int64_t> AddGeneration(const Generation& generation) override;
  Status UpdateGeneration(const Generation& generation) override;
  Result<std::optional<Generation>> GetGeneration(int64_t id) override;
  Result<std::vector<Generation>> ListGenerations(std::string_view target,
                                                  int limit) override;
  Result<std::vector<Generation>> RunningGenerations(
      std::string_view target) override;

  Result<int64_t> AddIncident(const Incident& incident) override;
  Result<std::vector<Incident>> ListIncidents(std::string_view target,
                                              int limit) override;

  Result<int64_t> AddHealAction(const HealAction& action) override;
  Status UpdateHealAction(const HealAction& action) override;
  Result<std::vector<HealAction>> ListHealActions(std::string_view target,
                                                  int limit) override;
  Result<std::optional<HealAction>> UnfinishedHealAction(
      std::string_view target) override;

  Result<int64_t> AddSample(const Sample& sample) override;
  Result<std::vector<Sample>> RecentSamples(std::string_view target,
                                            int limit) override;

  Result<std::optional<std::string>> GetControl(std::string_view target,
                                                std::string_view key) override;
  Status SetControl(std::string_view target, std::string_view key,
                    std::string_view value) override;

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace heimdall::store

#endif  // HEIMDALL_STORE_SQLITE_STORE_H_
