// Durable state of the controller: generations, incidents, heal actions,
// recent samples and control settings (pause, breaker, policy state).
//
// `Store` is the interface the healer and the CLI use; SQLite is the
// embedded implementation (sqlite_store.h) and others (PostgreSQL) can sit
// behind the same calls. Every record belongs to a *target*, one watched
// piece of infrastructure; a controller with one target uses "default".
//
// Errors: every call returns a Status or Result whose message names the
// store and what was being done. A failed write leaves the store as it was
// (each call is one transaction). Implementations are thread-safe.
#ifndef HEIMDALL_STORE_STORE_H_
#define HEIMDALL_STORE_STORE_H_

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace heimdall::store {

// Wall-clock time, millisecond resolution (stored as ms since the epoch).
using Time = std::chrono::sys_time<std::chrono::milliseconds>;

inline constexpr std::string_view kDefaultTarget = "default";

enum class GenerationStatus {
  kBuilding,    // Provisioning; may have processes.
  kLive,        // Built and healthy; being watched.
  kDestroying,  // Being torn down; may still have processes.
  kStopped,     // Torn down on purpose.
  kFailed,      // Build failed and was cleaned up.
};

std::string_view ToString(GenerationStatus status);
Result<GenerationStatus> ParseGenerationStatus(std::string_view text);
// True for statuses that may still own running infrastructure.
bool MayBeRunning(GenerationStatus status);

// One set of infrastructure built by a provider.
struct Generation {
  int64_t id = 0;  // Assigned by AddGeneration; increasing.
  std::string target{kDefaultTarget};
  std::string provider;  // "local", later "docker", "terraform".
  GenerationStatus status = GenerationStatus::kBuilding;
  // Provider-defined: addresses, ports, PIDs, markers. Enough to find,
  // adopt or destroy the infrastructure after a restart.
  nlohmann::json endpoints = nlohmann::json::object();
  // Provider-defined state archived before the destroy (null until then).
  nlohmann::json archive;
  Time started_at{};
  std::optional<Time> stopped_at;
  std::string stop_reason;  // "heal: threshold", "controller stopped", ...
};

// A breach the controller saw, whether or not it acted on it.
struct Incident {
  int64_t id = 0;
  std::string target{kDefaultTarget};
  int64_t generation_id = 0;
  Time time{};
  std::string reason;  // "threshold", "unresponsive", "forced", ...
  std::string action;  // "heal", "would_heal", "breaker_open".
  std::optional<double> probability;  // The last valid one, if any.
  nlohmann::json readings = nlohmann::json::array();  // What led to it.
  std::string detail;
};

// One heal: archive, destroy, build. Its phase is written before each step
// is taken, so a restart can tell how far a heal got.
struct HealAction {
  int64_t id = 0;
  std::string target{kDefaultTarget};
  int64_t incident_id = 0;
  int64_t from_generation = 0;
  std::optional<int64_t> to_generation;
  std::string phase;  // "decided", "archiving", "destroying", "building",
                      // "done", "failed".
  Time started_at{};
  std::optional<Time> ended_at;
  std::string outcome;  // "" while running, then "ok" or "failed".
  std::string error;

  bool finished() const { return ended_at.has_value(); }
  // ended_at - started_at; zero while running.
  std::chrono::milliseconds duration() const;
};

// One poll of a generation.
struct Sample {
  int64_t id = 0;
  std::string target{kDefaultTarget};
  int64_t generation_id = 0;
  Time time{};
  bool responsive = false;
  std::optional<double> probability;
  nlohmann::json readings = nlohmann::json::object();
};

// TODO: generations, incidents and heal actions are kept forever (only
// samples are bounded); a retention setting would bound the store of a
// controller that heals for months.
class Store {
 public:
  virtual ~Store() = default;

  // Generations. Add assigns and returns the id; Update rewrites every field
  // of the generation with `generation.id` (an error if there is none).
  virtual Result<int64_t> AddGeneration(const Generation& generation) = 0;
  virtual Status UpdateGeneration(const Generation& generation) = 0;
  virtual Result<std::optional<Generation>> GetGeneration(int64_t id) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<Generation>> ListGenerations(
      std::string_view target, int limit) = 0;
  // Generations of `target` whose status says they may own infrastructure
  // (MayBeRunning), oldest first. Normally zero or one.
  virtual Result<std::vector<Generation>> RunningGenerations(
      std::string_view target) = 0;

  virtual Result<int64_t> AddIncident(const Incident& incident) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<Incident>> ListIncidents(std::string_view target,
                                                      int limit) = 0;

  virtual Result<int64_t> AddHealAction(const HealAction& action) = 0;
  virtual Status UpdateHealAction(const HealAction& action) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<HealAction>> ListHealActions(
      std::string_view target, int limit) = 0;
  // The newest heal of `target` that never finished (a crash mid-heal).
  virtual Result<std::optional<HealAction>> UnfinishedHealAction(
      std::string_view target) = 0;

  // Adds a sample, returning its id, and prunes the oldest of its target
  // beyond the window the store was opened with.
  virtual Result<int64_t> AddSample(const Sample& sample) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<Sample>> RecentSamples(std::string_view target,
                                                    int limit) = 0;

  // Small named values per target (pause flag, breaker, policy state).
  virtual Result<std::optional<std::string>> GetControl(
      std::string_view target, std::string_view key) = 0;
  virtual Status SetControl(std::string_view target, std::string_view key,
                            std::string_view value) = 0;
};

}  // namespace heimdall::store

#endif  // HEIMDALL_STORE_STORE_H_
