#include "healer/monitor.h"

namespace heimdall::healer {
namespace {

MonitorVerdict VerdictFor(HealReason reason) {
  switch (reason) {
    case HealReason::kUnresponsive:
      return MonitorVerdict::kUnresponsive;
    case HealReason::kInvalidReading:
      return MonitorVerdict::kInvalidReading;
    case HealReason::kStaleReading:
      return MonitorVerdict::kStaleReading;
    default:
      return MonitorVerdict::kThreshold;
  }
}

// The parts of the policy that make sense for a single watch.
HealPolicy WatchPolicy(HealPolicy policy) {
  policy.cooldown = Duration(0);
  policy.breaker.max_heals = 0;
  policy.dry_run = false;
  return policy;
}

}  // namespace

int ExitCode(MonitorVerdict verdict) {
  switch (verdict) {
    case MonitorVerdict::kTimeLimit:
      return 0;
    case MonitorVerdict::kThreshold:
      return 3;
    case MonitorVerdict::kUnresponsive:
      return 4;
    case MonitorVerdict::kInvalidReading:
      return 5;
    case MonitorVerdict::kEnded:
      return 6;
    case MonitorVerdict::kStaleReading:
      return 7;
  }
  return 1;
}

std::string_view ToString(MonitorVerdict verdict) {
  switch (verdict) {
    case MonitorVerdict::kTimeLimit:
      return "time limit reached, no breach";
    case MonitorVerdict::kThreshold:
      return "threshold breached";
    case MonitorVerdict::kUnresponsive:
      return "target unresponsive";
    case MonitorVerdict::kInvalidReading:
      return "no valid probability";
    case MonitorVerdict::kEnded:
      return "telemetry ended";
    case MonitorVerdict::kStaleReading:
      return "readings stopped changing";
  }
  return "?";
}

MonitorOutcome RunMonitor(
    const MonitorOptions& options, Probe& probe, const Deployment& target,
    Clock& clock,
    const std::function<void(const Reading&, const Decision&)>& on_poll) {
  const HealPolicy policy = WatchPolicy(options.policy);
  const TimePoint start = clock.Now();
  HealState state = OnGenerationBuilt(policy, HealState{}, start);
  MonitorOutcome outcome;
  while (true) {
    const TimePoint next = clock.Now() + options.interval;
    Reading reading = probe.Poll(target, clock.Now());
    ++outcome.polls;
    const Step step = Decide(policy, state, reading.ToObservation());
    state = step.state;
    if (on_poll) on_poll(reading, step.decision);
    const bool ended = reading.ended;
    outcome.last_reading = std::move(reading);
    if (ended) {
      outcome.verdict = MonitorVerdict::kEnded;
      return outcome;
    }
    if (step.decision.action == Action::kHeal) {
      outcome.verdict = VerdictFor(step.decision.reason);
      return outcome;
    }
    if (options.max_duration && next - start > *options.max_duration) {
      outcome.verdict = MonitorVerdict::kTimeLimit;
      return outcome;
    }
    clock.SleepUntil(next);
  }
}

}  // namespace heimdall::healer
