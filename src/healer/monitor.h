// `heimdall monitor`: the earlier monitor pipeline as one call. Polls a
// target until the policy says it must be healed, or a time limit passes,
// and reports why it stopped, so a CI job can chain destroy/rebuild steps
// on the exit code.
#ifndef HEIMDALL_HEALER_MONITOR_H_
#define HEIMDALL_HEALER_MONITOR_H_

#include <functional>
#include <optional>

#include "healer/clock.h"
#include "healer/policy.h"
#include "healer/probe.h"
#include "healer/provider.h"

namespace heimdall::healer {

struct MonitorOptions {
  // Threshold, sustained count/duration, unresponsive polls and grace are
  // used; cooldown, backoff, breaker and dry-run do not apply to one watch.
  HealPolicy policy;
  Duration interval = std::chrono::seconds(5);
  // Stop with kTimeLimit after this long; nullopt: watch until a breach.
  std::optional<Duration> max_duration;
};

// Why monitoring stopped. The exit codes are the command's contract.
enum class MonitorVerdict {
  kTimeLimit,       // 0: the time limit passed without a breach.
  kThreshold,       // 3: failure probability above the threshold.
  kUnresponsive,    // 4: the target stopped answering.
  kInvalidReading,  // 5: answers without a valid probability.
  kEnded,           // 6: the telemetry ended (a replay ran out).
  kStaleReading,    // 7: the readings stopped changing (stale_after).
};
int ExitCode(MonitorVerdict verdict);
std::string_view ToString(MonitorVerdict verdict);

struct MonitorOutcome {
  MonitorVerdict verdict = MonitorVerdict::kTimeLimit;
  int polls = 0;
  std::optional<Reading> last_reading;
};

// Polls `target` every interval (the first poll at once); grace starts now.
// `on_poll`, if set, sees every reading and decision (for printing).
MonitorOutcome RunMonitor(
    const MonitorOptions& options, Probe& probe, const Deployment& target,
    Clock& clock,
    const std::function<void(const Reading&, const Decision&)>& on_poll = {});

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_MONITOR_H_
