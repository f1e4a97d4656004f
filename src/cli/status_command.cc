// heimdall status / heimdall incidents: what the controller recorded, read
// from the store (works while `heimdall up` runs and after it stopped).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/command.h"
#include "healer/config.h"
#include "healer/status_report.h"
#include "store/sqlite_store.h"
#include "store/store_json.h"

namespace heimdall::cli {
namespace {

struct StoreFlags {
  std::string config;
  std::string state_dir;
  std::string store;
  bool json = false;
  int limit = 10;
};

void AddStoreFlags(CLI::App* app, StoreFlags* flags) {
  app->add_option("--config", flags->config,
                  "The TOML file `heimdall up` ran with");
  app->add_option("--state-dir", flags->state_dir,
                  "State directory (default heimdall-state)");
  app->add_option("--store", flags->store, "The store file itself");
  app->add_flag("--json", flags->json, "Print JSON instead of tables");
  app->add_option("--limit", flags->limit, "How many of each to show")
      ->check(CLI::Range(1, 100'000));
}

Result<std::unique_ptr<store::SqliteStore>> OpenStore(const StoreFlags& flags) {
  Result<healer::UpConfig> config = flags.config.empty()
                                        ? healer::UpConfig{}
                                        : healer::LoadUpConfig(flags.config);
  if (!config.ok()) return config.error();
  if (!flags.state_dir.empty()) config->state_dir = flags.state_dir;
  if (!flags.store.empty()) config->store = flags.store;
  return store::SqliteStore::Open(config->StorePath(),
                                  {.create_if_missing = false});
}

Result<int> RunStatus(const StoreFlags& flags) {
  Result<std::unique_ptr<store::SqliteStore>> store = OpenStore(flags);
  if (!store.ok()) return store.error();
  Result<healer::StatusReport> report =
      healer::ReadStatus(**store, store::kDefaultTarget, flags.limit);
  if (!report.ok()) return report.error();
  if (flags.json) {
    fmt::print("{}\n", healer::ToJson(*report).dump(2));
  } else {
    fmt::print("{}", healer::FormatStatus(*report));
  }
  return 0;
}

Result<int> RunIncidents(const StoreFlags& flags) {
  Result<std::unique_ptr<store::SqliteStore>> store = OpenStore(flags);
  if (!store.ok()) return store.error();
  auto incidents = (*store)->ListIncidents(store::kDefaultTarget, flags.limit);
  if (!incidents.ok()) return incidents.error();
  if (flags.json) {
    nlohmann::json json = nlohmann::json::array();
    for (const store::Incident& i : *incidents) {
      json.push_back(store::ToJson(i));
    }
    fmt::print("{}\n", json.dump(2));
  } else {
    fmt::print("{}", healer::FormatIncidents(*incidents));
  }
  return 0;
}

}  // namespace

Command AddStatusCommand(CLI::App& root) {
  auto flags = std::make_shared<StoreFlags>();
  CLI::App* app = root.add_subcommand(
      "status",
      "Show the live generation, healing state, MTTR, recent generations and "
      "incidents from the store.");
  AddStoreFlags(app, flags.get());
  return {app, [flags]() { return RunStatus(*flags); }};
}

Command AddIncidentsCommand(CLI::App& root) {
  auto flags = std::make_shared<StoreFlags>();
  CLI::App* app = root.add_subcommand(
      "incidents", "List recorded incidents (why the controller healed).");
  AddStoreFlags(app, flags.get());
  return {app, [flags]() { return RunIncidents(*flags); }};
}

}  // namespace heimdall::cli
