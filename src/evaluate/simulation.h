// `heimdall evaluate --simulate N`: seeded simulator runs per fault kind,
// scored and replayed through the heal policy in process, as fast as the
// CPU allows.
//
// A fault run: a nominal lead-in (at least `lead_in_seconds`, plus up to ten
// more minutes depending on the seed so faults start at different moments
// of the astronaut's day), then the fault, simulated until it has been
// healed and (for faults that can become critical) has gone critical, or
// for `max_fault_seconds`. The run goes on past a heal on purpose: a heal
// before "critical" counts only if the fault would have gone critical, and
// its lead time is the time from the heal to that moment. Heal decisions
// during the lead-in are false heals.
//
// Nominal streams: `nominal_days` of simulated days without faults, one
// stream per day (seeds distinct from the fault runs'); every heal decision
// is a false heal.
//
// A heal decision is a decision to heal (Action::kHeal) or one held back
// only by dry-run, pause or an open breaker (kWouldHeal). After each, the
// policy sees a fresh generation (OnGenerationBuilt), as the controller does.
#ifndef HEIMDALL_EVALUATE_SIMULATION_H_
#define HEIMDALL_EVALUATE_SIMULATION_H_

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "detect/vitals_scorer.h"
#include "healer/policy.h"

namespace heimdall::evaluate {

struct SimulationOptions {
  int runs = 100;                   // Per fault kind; seeds 1..runs.
  std::vector<std::string> faults;  // Empty: every kind but "none".
  double rate = 1.0;                // Samples per simulated second.
  double lead_in_seconds = 600;
  double max_fault_seconds = 4 * 3600;
  double nominal_days = 7;
  healer::HealPolicy policy;  // `heimdall up`'s defaults.
  int threads = 0;            // 0: one per hardware thread.
};

struct FaultRuns {
  std::string fault;
  int runs = 0;
  int reached_critical = 0;          // Runs whose truth went critical.
  int healed_before_critical = 0;    // Of those, healed before it.
  int healed = 0;                    // Runs with a heal after fault start.
  int false_heals = 0;               // Heal decisions during lead-ins.
  std::vector<double> lead_seconds;  // Critical minus first heal, > 0.
  std::vector<double> heal_delay_seconds;  // First heal minus fault start.
};

struct SimulationReport {
  std::string scorer;
  std::vector<FaultRuns> faults;
  double nominal_days = 0;
  int nominal_heals = 0;  // All false.
  double seconds = 0;     // Wall time.
};

// Fails on an unknown fault name or invalid options or policy.
Result<SimulationReport> Simulate(const detect::VitalsScorerFactory& factory,
                                  std::string scorer_name,
                                  const SimulationOptions& options);

// The median of `values`, unset when empty.
std::optional<double> Median(std::vector<double> values);

std::string FormatSimulationTable(const SimulationReport& report);
// {"scorer", "seconds", "nominal": {"days", "heals", "heals_per_day"},
//  "faults": [{"fault", "runs", "reached_critical", "healed_before_critical",
//   "healed", "false_heals", "median_lead_seconds", "min_lead_seconds",
//   "median_heal_delay_seconds"}]}; missing values are null.
std::string FormatSimulationJson(const SimulationReport& report);

}  // namespace heimdall::evaluate

#endif  // HEIMDALL_EVALUATE_SIMULATION_H_
