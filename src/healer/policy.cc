#include "healer/policy.h"

#include <algorithm>
#include <cmath>

namespace heimdall::healer {
namespace {

// splitmix64: tiny, seedable and good enough to spread retries apart.
uint64_t NextRandom(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

// Uniform in [0, 1).
double NextUnit(uint64_t* state) {
  return static_cast<double>(NextRandom(state) >> 11) * 0x1.0p-53;
}

bool IsValid(const Observation& observation) {
  return observation.responsive && observation.probability.has_value() &&
         std::isfinite(*observation.probability);
}

HealState ForgetReadings(HealState state) {
  state.above_count = 0;
  state.above_since.reset();
  state.unscored_count = 0;
  state.unresponsive_count = 0;
  state.fingerprint.reset();
  state.fingerprint_since.reset();
  return state;
}

// Tracks how long the values have stayed exactly the same.
void RecordFingerprint(HealState& state, const Observation& observation) {
  if (!observation.values_fingerprint) return;  // Nothing read: no change.
  if (state.fingerprint != observation.values_fingerprint) {
    state.fingerprint = observation.values_fingerprint;
    state.fingerprint_since = observation.time;
  }
}

// Folds one poll into the streak counters.
HealState Record(const HealPolicy& policy, HealState state,
                 const Observation& observation) {
  RecordFingerprint(state, observation);
  if (!IsValid(observation)) {
    ++state.unscored_count;
    if (!observation.responsive) ++state.unresponsive_count;
    state.last_trouble = observation.time;
    return state;
  }
  state.unscored_count = 0;
  state.unresponsive_count = 0;
  if (*observation.probability > policy.threshold) {
    ++state.above_count;
    if (!state.above_since) state.above_since = observation.time;
    state.last_trouble = observation.time;
  } else {
    state.above_count = 0;
    state.above_since.reset();
  }
  return state;
}

HealReason Breach(const HealPolicy& policy, const HealState& state,
                  TimePoint now) {
  if (state.above_count >= policy.sustained_count && state.above_since &&
      now - *state.above_since >= policy.sustained_for) {
    return HealReason::kThreshold;
  }
  if (state.unscored_count >= policy.unresponsive_polls) {
    return state.unresponsive_count > 0 ? HealReason::kUnresponsive
                                        : HealReason::kInvalidReading;
  }
  if (policy.stale_after > 0s && state.fingerprint_since &&
      now - *state.fingerprint_since >= policy.stale_after) {
    return HealReason::kStaleReading;
  }
  return HealReason::kNone;
}

// Heals in (now - window, now].
int HealsInWindow(const BreakerPolicy& breaker, const HealState& state,
                  TimePoint now) {
  return static_cast<int>(
      std::count_if(state.recent_heals.begin(), state.recent_heals.end(),
                    [&](TimePoint t) { return t > now - breaker.window; }));
}

// How long a reported breach keeps later ones quiet: the cooldown, at least
// backoff.base.
Duration QuietPeriod(const HealPolicy& policy) {
  return std::max(policy.cooldown, policy.backoff.base);
}

// A breach that is reported, not acted on. One episode of trouble is one
// report: each breach held back while quiet pushes the quiet period on (see
// Act), so the next report needs a quiet period without a breach first. A
// real heal after a resume or a reset is not held by this.
Step WouldHeal(const HealPolicy& policy, HealState state, TimePoint now,
               HealReason reason, Hold hold) {
  state = ForgetReadings(std::move(state));
  state.quiet_until = now + QuietPeriod(policy);
  return {std::move(state), {Action::kWouldHeal, reason, hold, {}, false}};
}

// Why this breach would only be reported, if it would.
std::optional<Hold> ReportOnly(const HealPolicy& policy,
                               const HealState& state) {
  if (state.paused) return Hold::kPaused;
  if (policy.dry_run) return Hold::kDryRun;
  if (state.breaker_open) return Hold::kBreakerOpen;
  return std::nullopt;
}

Step Heal(const HealPolicy& policy, HealState state, TimePoint now,
          HealReason reason) {
  state = ForgetReadings(std::move(state));
  std::erase_if(state.recent_heals,
                [&](TimePoint t) { return t <= now - policy.breaker.window; });
  state.recent_heals.push_back(now);
  state.last_trouble = now;
  ++state.consecutive_heals;

  const Duration backoff =
      BackoffDelay(policy.backoff, state.consecutive_heals, &state.rng);
  state.not_before_is_backoff = backoff > policy.cooldown;
  state.not_before = now + std::max(backoff, policy.cooldown);
  return {std::move(state), {Action::kHeal, reason, Hold::kNone, {}, false}};
}

// A breach is at hand: decide what to do about it.
Step Act(const HealPolicy& policy, HealState state, TimePoint now,
         HealReason reason) {
  if (now < state.not_before) {
    const Hold hold =
        state.not_before_is_backoff ? Hold::kBackoff : Hold::kCooldown;
    const TimePoint until = state.not_before;
    return {std::move(state), {Action::kNone, reason, hold, until, false}};
  }
  if (const std::optional<Hold> hold = ReportOnly(policy, state)) {
    if (now < state.quiet_until) {
      // The episode already reported goes on.
      state.quiet_until = now + QuietPeriod(policy);
      const TimePoint until = state.quiet_until;
      return {std::move(state), {Action::kNone, reason, *hold, until, false}};
    }
    return WouldHeal(policy, std::move(state), now, reason, *hold);
  }
  if (policy.breaker.max_heals > 0 &&
      HealsInWindow(policy.breaker, state, now) >= policy.breaker.max_heals) {
    state.breaker_open = true;
    Step step =
        WouldHeal(policy, std::move(state), now, reason, Hold::kBreakerOpen);
    step.decision.breaker_tripped = true;
    return step;
  }
  return Heal(policy, std::move(state), now, reason);
}

}  // namespace

Status Validate(const HealPolicy& policy) {
  if (!(policy.threshold >= 0.0 && policy.threshold < 1.0)) {
    return MakeError("threshold: {} is not in [0, 1)", policy.threshold);
  }
  if (policy.sustained_count < 1) {
    return MakeError("sustained_count: {} is below 1", policy.sustained_count);
  }
  if (policy.unresponsive_polls < 1) {
    return MakeError("unresponsive_polls: {} is below 1",
                     policy.unresponsive_polls);
  }
  const std::pair<const char*, Duration> durations[] = {
      {"sustained_for", policy.sustained_for},
      {"stale_after", policy.stale_after},
      {"grace", policy.grace},
      {"cooldown", policy.cooldown},
      {"backoff.reset_after", policy.backoff.reset_after},
      {"breaker.window", policy.breaker.window}};
  for (const auto& [name, value] : durations) {
    if (value < 0s) return MakeError("{}: negative duration", name);
  }
  if (policy.backoff.base <= 0s) return MakeError("backoff.base: not positive");
  if (policy.backoff.max < policy.backoff.base) {
    return MakeError("backoff.max: shorter than backoff.base");
  }
  if (!(policy.backoff.jitter >= 0.0 && policy.backoff.jitter < 1.0)) {
    return MakeError("backoff.jitter: {} is not in [0, 1)",
                     policy.backoff.jitter);
  }
  if (policy.breaker.max_heals < 0) return MakeError("breaker.max_heals: < 0");
  return Status::Ok();
}

Duration BackoffDelay(const BackoffPolicy& policy, int n, uint64_t* rng) {
  // Doubling stops once past max, which also keeps the shift in range.
  Duration delay = policy.base;
  for (int i = 1; i < n && delay < policy.max; ++i) delay *= 2;
  delay = std::min(delay, policy.max);

  const double factor = 1.0 + policy.jitter * (2.0 * NextUnit(rng) - 1.0);
  const auto jittered = Duration(static_cast<Duration::rep>(
      std::llround(static_cast<double>(delay.count()) * factor)));
  return std::clamp(jittered, Duration(0), policy.max);
}

Step Decide(const HealPolicy& policy, const HealState& state,
            const Observation& observation) {
  const TimePoint now = observation.time;
  if (now < state.grace_until) {
    return {state,
            {Action::kNone, HealReason::kNone, Hold::kGrace, state.grace_until,
             false}};
  }

  HealState next = Record(policy, state, observation);
  if (next.consecutive_heals > 0 &&
      now - next.last_trouble >= policy.backoff.reset_after) {
    next.consecutive_heals = 0;
  }

  const HealReason reason = Breach(policy, next, now);
  if (reason == HealReason::kNone) return {std::move(next), {}};
  return Act(policy, std::move(next), now, reason);
}

HealState OnGenerationBuilt(const HealPolicy& policy, HealState state,
                            TimePoint built) {
  state = ForgetReadings(std::move(state));
  state.grace_until = built + policy.grace;
  return state;
}

HealState OnForcedHeal(HealState state, TimePoint now) {
  state = ForgetReadings(std::move(state));
  state.last_trouble = now;
  return state;
}

Step OnAlert(const HealPolicy& policy, const HealState& state, TimePoint now) {
  // An alert raised about the generation before this one (Prometheus
  // rules fire late by design) must not heal the fresh one.
  if (now < state.grace_until) {
    return {state,
            {Action::kNone, HealReason::kAlert, Hold::kGrace, state.grace_until,
             false}};
  }
  return Act(policy, state, now, HealReason::kAlert);
}

HealState ResetBreaker(HealState state) {
  state.breaker_open = false;
  state.recent_heals.clear();
  state.consecutive_heals = 0;
  return state;
}

std::string_view ToString(Action action) {
  switch (action) {
    case Action::kNone:
      return "none";
    case Action::kWouldHeal:
      return "would_heal";
    case Action::kHeal:
      return "heal";
  }
  return "?";
}

std::string_view ToString(HealReason reason) {
  switch (reason) {
    case HealReason::kNone:
      return "none";
    case HealReason::kThreshold:
      return "threshold";
    case HealReason::kUnresponsive:
      return "unresponsive";
    case HealReason::kInvalidReading:
      return "invalid_reading";
    case HealReason::kStaleReading:
      return "stale_reading";
    case HealReason::kForced:
      return "forced";
    case HealReason::kAlert:
      return "alert";
  }
  return "?";
}

std::string_view ToString(Hold hold) {
  switch (hold) {
    case Hold::kNone:
      return "none";
    case Hold::kGrace:
      return "grace";
    case Hold::kCooldown:
      return "cooldown";
    case Hold::kBackoff:
      return "backoff";
    case Hold::kBreakerOpen:
      return "breaker_open";
    case Hold::kDryRun:
      return "dry_run";
    case Hold::kPaused:
      return "paused";
  }
  return "?";
}

}  // namespace heimdall::healer
