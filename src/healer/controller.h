// The autonomous loop: build a generation, watch it, heal it.
//
//   Build  the provider provisions a generation; it is recorded as
//          "building", then "live" once healthy. A failed build is retried
//          with backoff.
//   Watch  every interval the probe reads telemetry and the prediction; the
//          sample is stored and the pure policy (policy.h) decides.
//   Heal   the incident is recorded with the recent readings and the reason,
//          the generation is archived, destroyed, and the next one built.
//
// Durability: every step of a heal is written to the store before it is
// taken (heal action phases "archiving", "destroying", "building"), so
// after a crash or kill -9, Start() finishes what was interrupted: it
// archives a generation that was about to be archived, keeps at most one
// live generation (the newest healthy one the store knows), destroys every
// other process the provider started, and builds when none is left. The
// heal state (backoff, breaker, pause) is stored after every change.
//
// Threading: Run(), Start() and Step() belong to one loop thread. Stop(),
// the commands and Snapshot() may be called from any thread; commands are
// queued and applied at the start of the next step, which they trigger at
// once by waking the clock.
#ifndef HEIMDALL_HEALER_CONTROLLER_H_
#define HEIMDALL_HEALER_CONTROLLER_H_

#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "healer/clock.h"
#include "healer/policy.h"
#include "healer/probe.h"
#include "healer/provider.h"
#include "store/store.h"

namespace heimdall::healer {

// Something worth telling the outside about (metrics, Alertmanager). Sent
// on the loop thread; handlers must return quickly and not call back into
// the controller.
struct HealEvent {
  enum class Kind {
    kStarted,        // A heal was decided; nothing is done yet.
    kDone,           // The next generation is live; `duration` is the MTTR.
    kFailed,         // The heal was aborted; `detail` says why.
    kBreakerOpened,  // Automatic healing stopped until a reset.
  };
  Kind kind = Kind::kStarted;
  std::string target;
  std::string reason;         // HealReason's name ("threshold", "alert", ...).
  int64_t generation_id = 0;  // The generation being healed.
  std::optional<double> probability;
  Duration duration{};
  std::string detail;
};
std::string_view ToString(HealEvent::Kind kind);

struct ControllerSnapshot;

struct ControllerOptions {
  std::string target{store::kDefaultTarget};
  HealPolicy policy;
  Duration interval = std::chrono::seconds(5);
  // Recent readings stored with each incident.
  int incident_readings = 10;
  // Seeds the backoff jitter when no heal state is stored yet.
  uint64_t seed = 0x5eed;
  // Test hook: called on the loop thread right after a heal phase is
  // stored, before it is acted on. End-to-end tests use it to hold a heal
  // in a phase and kill -9 the controller there. Empty in production.
  std::function<void(std::string_view phase)> after_heal_phase;
  // Told about heals and the breaker; may be empty.
  std::function<void(const HealEvent&)> on_heal_event;
  // Called on the loop thread with each new snapshot (after every step and
  // once at construction), outside the controller's lock; `heimdall up`
  // pushes it to the dashboard. Must not call back into the controller.
  std::function<void(const ControllerSnapshot&)> on_snapshot;
};

enum class Phase { kStarting, kBuilding, kWatching, kHealing, kStopped };
std::string_view ToString(Phase phase);

// What the controller is doing, for the control API and logs.
struct ControllerSnapshot {
  Phase phase = Phase::kStarting;
  std::optional<Deployment> deployment;
  HealState heal_state;
  bool dry_run = false;
  std::optional<Reading> last_reading;
  Decision last_decision;
  int64_t heals = 0;         // Completed automatic and forced heals.
  int64_t failed_heals = 0;  // Heals aborted (the archive failed).
  int64_t incidents = 0;     // Incidents recorded since start.
  int64_t readings = 0;      // Polls of live generations since start.
  // When the live generation became live (or was adopted); epoch if none.
  TimePoint live_since{};
  // The latest failure the controller could not resolve by itself (a
  // destroy that failed, a build being retried), until it is resolved.
  std::string problem;
};
nlohmann::json ToJson(const ControllerSnapshot& snapshot);

// TODO: one controller watches one target; many targets would run one
// Controller each over the shared store (records already carry a target),
// and the control API would take the target as a path parameter.
class Controller {
 public:
  // All references must outlive the controller.
  Controller(ControllerOptions options, store::Store& store, Provider& provider,
             Probe& probe, Clock& clock);

  // Recovers from the store, then makes sure a generation is live (or a
  // build is scheduled). Fails only if the store or the provider cannot
  // be brought to a known state.
  Status Start();
  // One iteration: apply queued commands, build if no generation is live,
  // else poll, decide and act. Errors of the store are returned; those of
  // the target are readings, and those of the provider are retried.
  Status Step();
  // Start(), then Step() every interval until Stop() or the end of a
  // replay; then destroys the live generation, unless the provider keeps
  // it on stop (it stays live in the store for the next Start() to adopt).
  // A store error ends the loop at once and is returned; the generation is
  // left running (the store can no longer record what would be done to it)
  // for the next Start() to adopt or clean up.
  Status Run();
  void Stop();

  // Commands (thread-safe, queued).
  void RequestHeal();
  // An alert asked for a heal: decided by OnAlert (policy.h), so holds
  // apply, and recorded with reason "alert" and `detail` (which alert).
  void RequestAlertHeal(std::string detail);
  void SetPaused(bool paused);
  void ResetBreaker();

  ControllerSnapshot Snapshot() const;
  // The options the controller runs with (its policy after overrides).
  const ControllerOptions& options() const { return options_; }

 private:
  enum class CommandKind { kHeal, kAlertHeal, kPause, kResume, kResetBreaker };
  struct Command {
    CommandKind kind;
    std::string detail;  // kAlertHeal: which alert.
  };
  // A heal asked for from outside the policy's own readings.
  struct HealRequest {
    HealReason reason = HealReason::kForced;
    std::string detail;
  };

  // Recovery (controller_recovery.cc).
  Status Recover();
  Status ArchiveInterrupted(const store::HealAction& action, bool* aborted);
  Status RetireUnkept(const std::vector<store::Generation>& running,
                      const std::optional<store::HealAction>& unfinished);
  Status LoadHealState();
  Status SaveHealState();
  Status Shutdown();

  // The loop.
  Status ApplyCommands(std::optional<HealRequest>* heal_request);
  Status Watch(const std::optional<HealRequest>& heal_request);
  Status HealOnAlert(const Reading& reading, const std::string& detail);
  Status Act(const Reading& reading, const Decision& decision);
  Status RecordSample(const Reading& reading);
  Result<int64_t> RecordIncident(const Reading& reading, HealReason reason,
                                 std::string_view action,
                                 const std::string& detail);

  // Heals and builds.
  Status Heal(const Reading& reading, HealReason reason,
              const std::string& detail = "healing");
  // Archives `deployment` and stores the archive; the store's error is
  // returned, the provider's is put in `*failure` (and nothing is stored).
  Status Archive(const Deployment& deployment, std::optional<Error>* failure);
  // Ends the open heal as failed, leaving the generation live and watched.
  Status AbortHeal(const Error& error);
  Status ContinueDestroy();
  Status BuildNext();
  Status BuildFailed(store::Generation& generation, const Error& error);
  // Counts a failed destroy or build and sets retry_not_before_; returns
  // the delay.
  Duration BackOffAfterFailure();
  // A heal is between its archive and a successful destroy.
  bool Destroying() const;
  Status FinishHeal(int64_t generation_id);
  Status UpdatePhase(store::HealAction& action, std::string phase);
  // Publishes the snapshot mid-heal, then calls after_heal_phase.
  void HealPhaseReached(std::string_view phase);
  Status SetGenerationStopped(int64_t id, store::GenerationStatus status,
                              const std::string& reason);

  void Publish();
  void Emit(HealEvent::Kind kind, std::string reason,
            std::optional<double> probability, Duration duration = {},
            std::string detail = "");

  ControllerOptions options_;
  store::Store& store_;
  Provider& provider_;
  Probe& probe_;
  Clock& clock_;

  // Loop-thread state.
  HealState heal_state_;
  std::optional<Deployment> deployment_;
  // The heal in progress: phase "destroying" (retried with backoff until
  // the destroy succeeds) or "building" (closed by the next good build).
  std::optional<store::HealAction> open_heal_;
  std::string heal_reason_;  // Why open_heal_ started, for stop reasons.
  // Failed destroys or builds in a row, and when to try the next one.
  int provider_failures_ = 0;
  TimePoint retry_not_before_{};
  std::deque<nlohmann::json> recent_readings_;
  std::optional<Reading> last_reading_;
  Decision last_decision_;
  Phase phase_ = Phase::kStarting;
  int64_t heals_ = 0;
  int64_t failed_heals_ = 0;
  int64_t incidents_ = 0;
  int64_t readings_ = 0;
  TimePoint live_since_{};
  std::string problem_;
  bool ended_ = false;

  mutable std::mutex mutex_;  // Guards the members below.
  std::vector<Command> commands_;
  bool stop_ = false;
  ControllerSnapshot snapshot_;
};

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_CONTROLLER_H_
