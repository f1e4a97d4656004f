// Faults the simulator can inject, their parameters, and their shapes.
//
// Times are seconds since the fault started (tau); "nominal" is what the
// astronaut's physiology would give without the fault.
//
//   acute           The earlier behaviour. Every sample is drawn afresh and
//                   uniformly: heart rate 130-160 bpm, SpO2 85-92 %,
//                   temperature 38-40 deg C, respiration 24-32 /min; readings
//                   carry no extra noise. Clearly anomalous, yet by the rule
//                   in sample.h never critical. No parameters.
//   oxygen_leak     SpO2 = max(nominal - rate * tau / 60, floor); heart rate
//                   climbs 2 bpm and respiration 0.6 /min per point of SpO2
//                   lost. Critical (SpO2 < 85) after about
//                   (nominal SpO2 - 85) / rate minutes.
//                   rate  SpO2 points lost per minute, in (0, 100]; 0.5.
//                   floor lowest SpO2 %, in [0, 85); 60.
//   fever           temperature = min(nominal + rate * tau / 60, peak), never
//                   below nominal; heart rate +10 bpm and respiration +1.5 /min
//                   per deg C of fever. Critical (> 40 deg C) after about
//                   (40 - nominal temperature) / rate minutes if peak > 40.
//                   rate  deg C per minute, in (0, 10]; 0.1.
//                   peak  plateau, deg C, in (37, 45]; 41.
//   sensor_stuck    The reading of `channel` freezes at its value in the
//                   fault's first sample; the astronaut is unaffected.
//                   channel  a vital name or "all"; "all".
//   sensor_dropout  The reading of `channel` is missing in each sample with
//                   `probability`; the astronaut is unaffected.
//                   channel      a vital name or "all"; "all".
//                   probability  in (0, 1]; 1.
//   crash           No readings at all: the in-process simulator's Next()
//                   fails; the service holds each /telemetry and /healthz
//                   request for hang_s seconds (or until the fault is
//                   cleared) and then answers 503.
//                   hang_s  seconds, in (0, 3600]; 30.
#ifndef HEIMDALL_TELEMETRY_FAULTS_H_
#define HEIMDALL_TELEMETRY_FAULTS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"
#include "telemetry/physiology.h"
#include "telemetry/random.h"
#include "telemetry/sample.h"

namespace heimdall::telemetry {

// A fault and its parameters; build with MakeFaultSpec so every field holds
// a checked value. Fields a kind does not use keep their defaults.
struct FaultSpec {
  FaultKind kind = FaultKind::kNone;
  double rate = 0;          // oxygen_leak: SpO2 points/min; fever: deg C/min.
  double floor = 0;         // oxygen_leak.
  double peak = 0;          // fever.
  std::string channel;      // sensor_stuck, sensor_dropout.
  double probability = 0;   // sensor_dropout.
  double hang_seconds = 0;  // crash.
};

using FaultParam = std::variant<double, std::string>;
using FaultParams = std::vector<std::pair<std::string, FaultParam>>;

// The spec for fault `kind` (a name from FaultKindName, but not "none") with
// its defaults, overridden by `params`. Fails with a message naming the
// problem: an unknown kind, an unknown parameter, a parameter of the wrong
// type, or a value out of its range.
Result<FaultSpec> MakeFaultSpec(std::string_view kind,
                                const FaultParams& params = {});

// The parameters of `spec`'s kind with their values, in documented order.
FaultParams ParamsOf(const FaultSpec& spec);

// A fault in progress: changes the astronaut's true vitals and the sensor
// readings of each sample from the fault's start on. Not thread-safe.
class FaultShape {
 public:
  // `start` is the time of the first sample the fault shapes; `seed` feeds
  // the fault's own random draws. Precondition: spec came from MakeFaultSpec.
  FaultShape(FaultSpec spec, double start, uint64_t seed);

  const FaultSpec& spec() const { return spec_; }
  double start() const { return start_; }

  // Changes `truth` (the nominal vitals at `time` >= start()).
  void ShapeTruth(double time, Vitals* truth);
  // Changes the sensor `reading` of the same sample; kMissing marks a value
  // not measured. Call once per sample, after ShapeTruth.
  void ShapeReading(Vitals* reading);

 private:
  bool Affects(size_t channel) const;

  FaultSpec spec_;
  double start_;
  Random random_;
  Vitals acute_;                  // This sample's acute draw.
  std::optional<Vitals> frozen_;  // sensor_stuck's reading.
};

}  // namespace heimdall::telemetry

#endif  // HEIMDALL_TELEMETRY_FAULTS_H_
