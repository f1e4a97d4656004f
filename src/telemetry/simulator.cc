#include "telemetry/simulator.h"

#include <cmath>

#include "telemetry/timestamp.h"

namespace heimdall::telemetry {
namespace {

// Fault number n draws from stream kFaultStreamBase + n, apart from the
// physiology's streams.
constexpr uint64_t kFaultStreamBase = 100;

}  // namespace

Result<std::unique_ptr<Simulator>> Simulator::Create(SimulatorOptions options) {
  if (!std::isfinite(options.rate) || options.rate <= 0) {
    return MakeError("simulator rate must be a positive number of Hz (got {})",
                     options.rate);
  }
  if (!std::isfinite(options.start_unix)) {
    return Error("simulator start time must be finite");
  }
  if (options.astronaut_id.empty()) {
    options.astronaut_id = fmt::format("astronaut-{}", options.seed);
  }
  return std::unique_ptr<Simulator>(new Simulator(std::move(options)));
}

Simulator::Simulator(SimulatorOptions options)
    : options_(std::move(options)), physiology_(options_.seed) {
  auto schema = std::make_shared<Schema>();
  schema->subject = options_.astronaut_id;
  schema->names.assign(Vitals::kNames.begin(), Vitals::kNames.end());
  schema_ = std::move(schema);
}

double Simulator::next_time() const {
  // Multiplying, not summing steps, keeps long runs free of rounding drift.
  return static_cast<double>(steps_) / options_.rate;
}

Result<std::optional<Sample>> Simulator::Next() {
  const double time = next_time();
  if (steps_ > 0) physiology_.Advance(1 / options_.rate);
  ++steps_;
  if (status_.active && status_.spec.kind == FaultKind::kCrash) {
    return MakeError("{}: not answering (crash fault since t={} s)", Describe(),
                     status_.start);
  }
  return std::optional<Sample>(Render(time));
}

Sample Simulator::Render(double time) {
  Vitals truth = physiology_.truth();
  if (fault_) fault_->ShapeTruth(time, &truth);
  Vitals reading = physiology_.Measure(truth);
  if (fault_) fault_->ShapeReading(&reading);

  Sample sample;
  sample.time = time;
  sample.timestamp = Timestamp(FormatTimestamp(options_.start_unix + time));
  sample.schema = schema_;
  for (size_t i = 0; i < Vitals::kCount; ++i) sample.values[i] = reading.at(i);

  GroundTruth ground;
  ground.critical =
      IsCritical(truth.heart_rate, truth.oxygen_level, truth.temperature);
  ground.fault = status_.active ? status_.spec.kind : FaultKind::kNone;
  sample.truth = ground;
  if (status_.active && ground.critical && !status_.first_critical) {
    status_.first_critical = time;
  }
  return sample;
}

void Simulator::Inject(const FaultSpec& spec) {
  const double start = next_time();
  fault_.emplace(
      spec, start,
      DeriveSeed(options_.seed, kFaultStreamBase + faults_injected_));
  ++faults_injected_;
  status_ = FaultStatus{spec, true, start, std::nullopt};
}

FaultStatus Simulator::Clear() {
  fault_.reset();
  status_.active = false;
  return status_;
}

std::string Simulator::Describe() const {
  return fmt::format("simulator seed {}", options_.seed);
}

}  // namespace heimdall::telemetry
