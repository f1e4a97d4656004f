// When to heal: the heal policy and the pure decision function.
//
// `Decide` maps (policy, state, observation) to (next state, decision) and
// touches nothing else: no clock, no I/O, no global RNG (the jitter generator
// lives in the state). The same inputs always give the same outputs, so the
// controller, `heimdall monitor`, `heimdall evaluate` and the tests share it.
//
// A poll yields an Observation: either a valid failure probability or none
// (the target did not answer in time, or answered without a finite
// probability). A missing or non-finite probability is never read as healthy:
// it counts toward the unresponsive limit and leaves the above-threshold
// streak as it was.
//
// A breach (threshold held long enough, or too many polls without a valid
// probability) becomes a heal unless something holds it back:
//   grace     readings are ignored until `grace` after a generation is built;
//   cooldown  at least `cooldown` between one heal decision and the next;
//   backoff   heals that keep coming wait longer each time (base doubling to
//             max, with jitter), until the target has been stable for
//             `reset_after`;
//   breaker   a heal that would make more than `max_heals` in `window` opens
//             the breaker instead: no more automatic heals until it is reset;
//   dry-run / paused / breaker open: the breach is reported as "would heal",
//             once per episode: a breach that follows the last one within
//             the cooldown (at least backoff.base) is the same episode.
#ifndef HEIMDALL_HEALER_POLICY_H_
#define HEIMDALL_HEALER_POLICY_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "healer/clock.h"

namespace heimdall::healer {

using namespace std::chrono_literals;

struct BackoffPolicy {
  // Delay after the n-th heal in a row: min(base * 2^(n-1), max), scaled by a
  // factor drawn uniformly from [1 - jitter, 1 + jitter], capped at max.
  Duration base = 10s;
  Duration max = 5min;
  double jitter = 0.1;
  // A target that has gone this long without trouble (no breach, no missing
  // reading) starts the sequence again from `base`.
  Duration reset_after = 10min;
};

struct BreakerPolicy {
  // At most `max_heals` automatic heals in any `window`; the heal that would
  // be one more opens the breaker. 0 disables the breaker.
  int max_heals = 5;
  Duration window = 1h;
};

struct HealPolicy {
  // A reading breaches when its failure probability is above `threshold`.
  double threshold = 0.9;
  // A threshold breach needs `sustained_count` breaching readings in a row
  // (missing readings in between neither count nor break the run) and, if
  // `sustained_for` is non-zero, the run must also have lasted that long.
  int sustained_count = 2;
  Duration sustained_for = 0s;
  // Polls in a row without a valid probability that make a breach.
  int unresponsive_polls = 3;
  // Telemetry values that stay exactly the same for this long make a breach
  // ("stale_reading": a stuck sensor reads healthy forever). 0 disables it.
  // Set it above the source's sample period: a replayed file with 5-minute
  // rows legitimately repeats for 5 minutes.
  Duration stale_after = 0s;
  Duration grace = 45s;
  Duration cooldown = 30s;
  BackoffPolicy backoff;
  BreakerPolicy breaker;
  // Decide and report, never heal.
  bool dry_run = false;
};

// Checks ranges (threshold in [0, 1), counts >= 1, non-negative durations,
// backoff max >= base, jitter in [0, 1)). The error names the field.
[[nodiscard]] Status Validate(const HealPolicy& policy);

// One poll of the target.
struct Observation {
  TimePoint time;
  // False when the target gave no usable answer within its timeout.
  bool responsive = true;
  // The predictor's failure probability; nullopt or non-finite = none.
  std::optional<double> probability;
  // Identifies the telemetry values read (equal values, equal print); nullopt
  // when none were read.
  std::optional<uint64_t> values_fingerprint = std::nullopt;
};

// Everything the decision remembers between polls. Plain data, persisted by
// the controller so that backoff and the breaker survive a restart.
struct HealState {
  int above_count = 0;  // Breaching readings in a row.
  std::optional<TimePoint> above_since;
  int unscored_count = 0;               // Polls in a row without a probability.
  int unresponsive_count = 0;           // Of those, polls with no answer.
  std::optional<uint64_t> fingerprint;  // The latest values read...
  std::optional<TimePoint> fingerprint_since;  // ...unchanged since then.
  TimePoint grace_until{};             // Readings before this are ignored.
  TimePoint not_before{};              // No heal before this...
  bool not_before_is_backoff = false;  // ...because of backoff (else cooldown).
  TimePoint quiet_until{};             // No "would heal" before this.
  TimePoint last_trouble{};            // Last breach-ish poll or heal.
  int consecutive_heals = 0;           // Heals since the last stable period.
  std::vector<TimePoint> recent_heals;  // Automatic heals, oldest first.
  bool breaker_open = false;
  bool paused = false;
  uint64_t rng = 0x9e3779b97f4a7c15u;  // Jitter generator (splitmix64).

  bool operator==(const HealState&) const = default;
};

enum class Action { kNone, kWouldHeal, kHeal };

enum class HealReason {
  kNone,
  kThreshold,       // Probability above threshold, sustained.
  kUnresponsive,    // Polls without a valid probability, some unanswered.
  kInvalidReading,  // Polls answered, but with no finite probability.
  kStaleReading,    // The same values for stale_after.
  kForced,          // An operator asked for it.
  kAlert,           // An Alertmanager alert matching the configured labels.
};
// Every reason a heal can have (all but kNone).
inline constexpr HealReason kHealReasons[] = {
    HealReason::kThreshold,      HealReason::kUnresponsive,
    HealReason::kInvalidReading, HealReason::kStaleReading,
    HealReason::kForced,         HealReason::kAlert};

// Why a breach did not become a heal.
enum class Hold {
  kNone,
  kGrace,
  kCooldown,
  kBackoff,
  kBreakerOpen,
  kDryRun,
  kPaused,
};

struct Decision {
  Action action = Action::kNone;
  HealReason reason = HealReason::kNone;  // Set whenever a breach holds.
  Hold hold = Hold::kNone;
  // When the hold ends: for kCooldown and kBackoff, and for the report-only
  // holds while a repeated "would heal" is being held back.
  TimePoint hold_until{};
  bool breaker_tripped = false;  // This step opened the breaker.
};

struct Step {
  HealState state;
  Decision decision;
};

// The decision for one poll. Pure.
Step Decide(const HealPolicy& policy, const HealState& state,
            const Observation& observation);

// A new generation became healthy at `built`: start its grace period and
// forget readings of the one before.
HealState OnGenerationBuilt(const HealPolicy& policy, HealState state,
                            TimePoint built);

// An operator forced a heal at `now`. It bypasses holds and does not count
// toward backoff or the breaker.
HealState OnForcedHeal(HealState state, TimePoint now);

// An alert from Alertmanager asked for a heal at `now`. It is treated as an
// automatic breach: grace, cooldown, backoff, pause, dry-run and the breaker
// hold it as they hold any other, and a heal it causes counts toward
// backoff and the breaker. Pure.
Step OnAlert(const HealPolicy& policy, const HealState& state, TimePoint now);

// Closes the breaker and forgets the heal history that opened it.
HealState ResetBreaker(HealState state);

// The backoff delay after the n-th heal in a row (n >= 1), advancing `rng`.
Duration BackoffDelay(const BackoffPolicy& policy, int n, uint64_t* rng);

std::string_view ToString(Action action);
std::string_view ToString(HealReason reason);
std::string_view ToString(Hold hold);

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_POLICY_H_
