// The astronaut simulator as an in-process telemetry source.
//
// Each Next() moves simulated time forward by 1 / rate seconds (the first
// returns time 0) and returns a reading of heart_rate, oxygen_level,
// temperature and respiration_rate with ground truth attached. Faults from
// faults.h can be injected and cleared between calls; the simulator records
// when the first critical sample of each fault came, so lead time can be
// measured. Deterministic: the same options and the same sequence of calls
// give the same samples. Never sleeps; not thread-safe.
#ifndef HEIMDALL_TELEMETRY_SIMULATOR_H_
#define HEIMDALL_TELEMETRY_SIMULATOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "telemetry/faults.h"
#include "telemetry/physiology.h"
#include "telemetry/sample.h"
#include "telemetry/source.h"

namespace heimdall::telemetry {

struct SimulatorOptions {
  uint64_t seed = 1;
  double rate = 1.0;  // Samples per simulated second; finite, > 0.
  // Unix seconds of simulated time 0, for sample timestamps. The default is
  // 2025-01-01T00:00:00Z so in-process streams do not depend on the date.
  double start_unix = 1735689600.0;
  std::string astronaut_id;  // Empty: "astronaut-<seed>".
};

// The fault a simulator is running, or ran last.
struct FaultStatus {
  FaultSpec spec;  // spec.kind is kNone when no fault was injected.
  bool active = false;
  double start = 0;  // Time of the first sample the fault shaped.
  // Time of the first sample at or after `start` whose truth was critical.
  std::optional<double> first_critical;
};

class Simulator final : public TelemetrySource {
 public:
  // Fails if options.rate is not a finite positive number.
  static Result<std::unique_ptr<Simulator>> Create(SimulatorOptions options);

  // The next sample. While a crash fault is active, time still moves on but
  // Next() fails, as an unresponsive service would.
  Result<std::optional<Sample>> Next() override;
  std::string Describe() const override;

  // Starts `spec` with the next sample, replacing any active fault.
  void Inject(const FaultSpec& spec);
  // Ends the active fault, if any; the next sample is nominal. Returns the
  // status of the fault just cleared (or of the last one).
  FaultStatus Clear();
  const FaultStatus& fault() const { return status_; }

  // Time of the sample the next call to Next() makes.
  double next_time() const;
  const std::shared_ptr<const Schema>& schema() const { return schema_; }
  const SimulatorOptions& options() const { return options_; }
  const Physiology& physiology() const { return physiology_; }

 private:
  explicit Simulator(SimulatorOptions options);
  Sample Render(double time);

  SimulatorOptions options_;
  std::shared_ptr<const Schema> schema_;
  Physiology physiology_;
  uint64_t steps_ = 0;  // Samples made so far, crashed ones included.
  uint64_t faults_injected_ = 0;
  std::optional<FaultShape> fault_;
  FaultStatus status_;
};

}  // namespace heimdall::telemetry

#endif  // HEIMDALL_TELEMETRY_SIMULATOR_H_
