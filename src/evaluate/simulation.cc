#include "evaluate/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "evaluate/parallel.h"
#include "evaluate/report.h"
#include "telemetry/faults.h"
#include "telemetry/simulator.h"

namespace heimdall::evaluate {
namespace {

using telemetry::FaultKind;
using telemetry::FaultSpec;
using telemetry::Simulator;

constexpr uint64_t kNominalSeedBase = 1'000'000;

// Whether a fault can take the truth across sample.h's critical rule, per
// the shapes documented in telemetry/faults.h.
bool CanGoCritical(const FaultSpec& spec) {
  return (spec.kind == FaultKind::kOxygenLeak && spec.floor < 85.0) ||
         (spec.kind == FaultKind::kFever && spec.peak > 40.0);
}

// One simulated stream feeding the scorer and the heal policy.
class Replay {
 public:
  Replay(std::unique_ptr<Simulator> simulator,
         std::unique_ptr<detect::VitalsScorer> scorer,
         const healer::HealPolicy& policy)
      : simulator_(std::move(simulator)),
        scorer_(std::move(scorer)),
        policy_(policy) {}

  // Advances one sample; returns whether the policy decided to heal.
  bool Step() {
    const double time = simulator_->next_time();
    healer::Observation poll;
    poll.time = healer::TimePoint(healer::Duration(
        std::llround((simulator_->options().start_unix + time) * 1000.0)));
    Result<std::optional<telemetry::Sample>> sample = simulator_->Next();
    poll.responsive = sample.ok() && sample->has_value();
    if (poll.responsive) poll.probability = scorer_->Score(**sample);

    healer::Step step = healer::Decide(policy_, state_, poll);
    state_ = std::move(step.state);
    if (step.decision.action == healer::Action::kNone) return false;
    state_ = healer::OnGenerationBuilt(policy_, std::move(state_), poll.time);
    return true;
  }

  Simulator& simulator() { return *simulator_; }

 private:
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<detect::VitalsScorer> scorer_;
  const healer::HealPolicy& policy_;
  healer::HealState state_;
};

struct RunOutcome {
  int false_heals = 0;
  std::optional<double> fault_start, first_heal, first_critical;
};

Result<Replay> MakeReplay(uint64_t seed,
                          const detect::VitalsScorerFactory& factory,
                          const SimulationOptions& options) {
  telemetry::SimulatorOptions sim;
  sim.seed = seed;
  sim.rate = options.rate;
  Result<std::unique_ptr<Simulator>> simulator = Simulator::Create(sim);
  if (!simulator.ok()) return simulator.error();
  return Replay(std::move(*simulator), factory(), options.policy);
}

RunOutcome RunFault(Replay& replay, const FaultSpec& spec, uint64_t seed,
                    const SimulationOptions& options) {
  RunOutcome out;
  Simulator& sim = replay.simulator();
  // Start faults at different moments of the astronaut's day.
  const double lead_in =
      options.lead_in_seconds + static_cast<double>(seed * 37 % 11) * 60.0;
  while (sim.next_time() < lead_in) out.false_heals += replay.Step() ? 1 : 0;

  sim.Inject(spec);
  out.fault_start = sim.next_time();
  const double end = *out.fault_start + options.max_fault_seconds;
  const bool wait_for_critical = CanGoCritical(spec);
  while (sim.next_time() < end) {
    const double time = sim.next_time();
    if (replay.Step() && !out.first_heal) out.first_heal = time;
    out.first_critical = sim.fault().first_critical;
    if (out.first_heal && (!wait_for_critical || out.first_critical)) break;
  }
  return out;
}

int RunNominal(Replay& replay, double seconds) {
  int heals = 0;
  while (replay.simulator().next_time() < seconds) {
    heals += replay.Step() ? 1 : 0;
  }
  return heals;
}

void Tally(const RunOutcome& run, FaultRuns* runs) {
  ++runs->runs;
  runs->false_heals += run.false_heals;
  if (run.first_heal) {
    ++runs->healed;
    runs->heal_delay_seconds.push_back(*run.first_heal - *run.fault_start);
  }
  if (!run.first_critical) return;
  ++runs->reached_critical;
  if (run.first_heal && *run.first_heal < *run.first_critical) {
    ++runs->healed_before_critical;
    runs->lead_seconds.push_back(*run.first_critical - *run.first_heal);
  }
}

Result<std::vector<FaultSpec>> FaultSpecs(const SimulationOptions& options) {
  std::vector<std::string> names = options.faults;
  if (names.empty()) {
    for (FaultKind kind : {FaultKind::kAcute, FaultKind::kOxygenLeak,
                           FaultKind::kFever, FaultKind::kSensorStuck,
                           FaultKind::kSensorDropout, FaultKind::kCrash}) {
      names.emplace_back(telemetry::FaultKindName(kind));
    }
  }
  std::vector<FaultSpec> specs;
  for (const std::string& name : names) {
    Result<FaultSpec> spec = telemetry::MakeFaultSpec(name);
    if (!spec.ok()) return spec.error().Annotate("--faults");
    specs.push_back(*spec);
  }
  return specs;
}

Status CheckOptions(const SimulationOptions& options) {
  if (options.runs < 0) return Error("simulate: runs must not be negative");
  if (!(options.rate > 0) || !(options.lead_in_seconds >= 0) ||
      !(options.max_fault_seconds > 0) || !(options.nominal_days >= 0)) {
    return Error(
        "simulate: rate and max fault time must be positive, lead-in and "
        "nominal days not negative");
  }
  return healer::Validate(options.policy).Annotate("heal policy");
}

struct Outcomes {
  std::vector<RunOutcome> faults;  // Fault-major: runs of fault 0 first.
  std::vector<int> nominal_heals;  // One per simulated day.
};

// Runs every fault run and nominal day, in parallel.
Result<Outcomes> RunAll(const detect::VitalsScorerFactory& factory,
                        const std::vector<FaultSpec>& specs,
                        const SimulationOptions& options) {
  const size_t runs = static_cast<size_t>(options.runs);
  const size_t fault_tasks = specs.size() * runs;
  const size_t days = static_cast<size_t>(std::ceil(options.nominal_days));
  Outcomes out{std::vector<RunOutcome>(fault_tasks), std::vector<int>(days)};
  std::vector<Status> errors(fault_tasks + days);
  ParallelFor(fault_tasks + days, options.threads, [&](size_t task) {
    const bool is_fault = task < fault_tasks;
    const uint64_t seed =
        is_fault ? task % runs + 1 : kNominalSeedBase + (task - fault_tasks);
    Result<Replay> replay = MakeReplay(seed, factory, options);
    if (!replay.ok()) {
      errors[task] = replay.status();
    } else if (is_fault) {
      out.faults[task] = RunFault(*replay, specs[task / runs], seed, options);
    } else {
      const size_t day = task - fault_tasks;
      const double share =
          std::min(1.0, options.nominal_days - static_cast<double>(day));
      out.nominal_heals[day] = RunNominal(*replay, share * 86400);
    }
  });
  for (const Status& error : errors) HEIMDALL_RETURN_IF_ERROR(error);
  return out;
}

nlohmann::json OptionalJson(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::optional<double> Minimum(const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  return *std::min_element(values.begin(), values.end());
}

std::string DurationText(const std::optional<double>& seconds) {
  return seconds ? FormatDuration(std::llround(*seconds)) : "-";
}

}  // namespace

std::optional<double> Median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

Result<SimulationReport> Simulate(const detect::VitalsScorerFactory& factory,
                                  std::string scorer_name,
                                  const SimulationOptions& options) {
  HEIMDALL_RETURN_IF_ERROR(CheckOptions(options));
  Result<std::vector<FaultSpec>> specs = FaultSpecs(options);
  if (!specs.ok()) return specs.error();
  const auto start = std::chrono::steady_clock::now();

  Result<Outcomes> outcomes = RunAll(factory, *specs, options);
  if (!outcomes.ok()) return outcomes.error();

  SimulationReport report;
  report.scorer = std::move(scorer_name);
  const size_t runs = static_cast<size_t>(options.runs);
  for (size_t f = 0; f < specs->size(); ++f) {
    FaultRuns tally;
    tally.fault = telemetry::FaultKindName((*specs)[f].kind);
    for (size_t r = 0; r < runs; ++r) {
      Tally(outcomes->faults[f * runs + r], &tally);
    }
    report.faults.push_back(std::move(tally));
  }
  report.nominal_days = options.nominal_days;
  for (int heals : outcomes->nominal_heals) report.nominal_heals += heals;
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return report;
}

std::string FormatSimulationTable(const SimulationReport& report) {
  std::string text = fmt::format(
      "vitals scorer {}; simulated in {:.2f} s\n\n{:<15} {:>5} {:>9} {:>15} "
      "{:>12} {:>12} {:>7} {:>12} {:>6}\n",
      report.scorer, report.seconds, "fault", "runs", "critical",
      "healed before", "median lead", "min lead", "healed", "median delay",
      "false");
  for (const FaultRuns& f : report.faults) {
    const std::string before =
        f.reached_critical > 0
            ? fmt::format("{}/{} ({:.0f}%)", f.healed_before_critical,
                          f.reached_critical,
                          100.0 * f.healed_before_critical / f.reached_critical)
            : "-";
    text += fmt::format(
        "{:<15} {:>5} {:>9} {:>15} {:>12} {:>12} {:>7} {:>12} {:>6}\n", f.fault,
        f.runs, f.reached_critical, before,
        DurationText(Median(f.lead_seconds)),
        DurationText(Minimum(f.lead_seconds)), f.healed,
        DurationText(Median(f.heal_delay_seconds)), f.false_heals);
  }
  const double per_day = report.nominal_days > 0
                             ? report.nominal_heals / report.nominal_days
                             : 0.0;
  text += fmt::format(
      "\nnominal: {} false heals in {:g} simulated days ({:.2f} per day)\n",
      report.nominal_heals, report.nominal_days, per_day);
  return text;
}

std::string FormatSimulationJson(const SimulationReport& report) {
  nlohmann::json faults = nlohmann::json::array();
  for (const FaultRuns& f : report.faults) {
    faults.push_back(
        {{"fault", f.fault},
         {"runs", f.runs},
         {"reached_critical", f.reached_critical},
         {"healed_before_critical", f.healed_before_critical},
         {"healed", f.healed},
         {"false_heals", f.false_heals},
         {"median_lead_seconds", OptionalJson(Median(f.lead_seconds))},
         {"min_lead_seconds", OptionalJson(Minimum(f.lead_seconds))},
         {"median_heal_delay_seconds",
          OptionalJson(Median(f.heal_delay_seconds))}});
  }
  const nlohmann::json nominal = {
      {"days", report.nominal_days},
      {"heals", report.nominal_heals},
      {"heals_per_day",
       report.nominal_days > 0
           ? nlohmann::json(report.nominal_heals / report.nominal_days)
           : nlohmann::json(nullptr)}};
  const nlohmann::json root = {{"scorer", report.scorer},
                               {"seconds", report.seconds},
                               {"nominal", nominal},
                               {"faults", faults}};
  return root.dump(2) + "\n";
}

}  // namespace heimdall::evaluate
