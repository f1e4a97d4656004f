// A seeded model of one astronaut's vital signs at rest and at work.
//
// Each vital is the astronaut's own resting mean (drawn from the seed) plus a
// slow Ornstein-Uhlenbeck drift, plus the effect of occasional exertion
// episodes (heart and breathing rate up, oxygen slightly down, temperature up
// after a lag); heart rate also follows temperature (about 10 bpm per deg C).
// Sensors add white noise on top. The drift is bounded at four standard
// deviations, so the nominal model cannot reach a critical state (see
// sample.h): nominal heart rate stays below about 140, oxygen above 97 %,
// temperature below 37.6 deg C. Readings stay inside the healthy training
// ranges (heart rate 70-90, SpO2 98.0-99.5, temperature 36.7-37.2) over 90 %
// of a day (measured: heart rate 94-99 %, the others 99-100 %); exertion is
// what takes heart rate out.
//
// Deterministic: the same seed and the same sequence of calls give the same
// numbers on every platform. Not thread-safe.
#ifndef HEIMDALL_TELEMETRY_PHYSIOLOGY_H_
#define HEIMDALL_TELEMETRY_PHYSIOLOGY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "telemetry/random.h"
#include "telemetry/sample.h"

namespace heimdall::telemetry {

// The four vital signs, in the simulator's value order.
struct Vitals {
  static constexpr size_t kCount = 4;
  static constexpr std::array<std::string_view, kCount> kNames = {
      kHeartRate, kOxygenLevel, kTemperature, kRespirationRate};

  double heart_rate = 0;        // bpm
  double oxygen_level = 0;      // SpO2 %
  double temperature = 0;       // deg C
  double respiration_rate = 0;  // breaths per minute

  // By position in kNames. Precondition: i < kCount.
  double& at(size_t i);
  double at(size_t i) const;
};

class Physiology {
 public:
  explicit Physiology(uint64_t seed);

  // The astronaut's resting means.
  const Vitals& baseline() const { return baseline_; }
  // The true vitals now.
  const Vitals& truth() const { return truth_; }
  // Exertion intensity now, 0 (rest) to 1.
  double exertion() const { return exertion_; }

  // Moves the model forward by `dt` > 0 seconds; returns the new truth.
  const Vitals& Advance(double dt);
  // A sensor reading of `truth`: adds measurement noise, keeps SpO2 <= 100.
  Vitals Measure(const Vitals& truth);

 private:
  // One slow drift term per vital.
  struct Drift {
    double value = 0;
    double sd = 0;      // Stationary standard deviation.
    double tau = 0;     // Correlation time, seconds.
    double keep = 0;    // exp(-dt / tau) for cached_dt_.
    double spread = 0;  // sd * sqrt(1 - keep^2) for cached_dt_.
  };

  void AdvanceDrift(Drift& drift);
  void AdvanceExertion(double dt);
  void Compose();
  void CacheDecays(double dt);

  Random random_;
  Random sensor_random_;
  Vitals baseline_;
  std::array<Drift, Vitals::kCount> drift_;
  double exertion_ = 0;       // Fast response: heart, breathing, oxygen.
  double exertion_slow_ = 0;  // Slow response: temperature.
  double episode_left_ = 0;   // Seconds of the current episode still to go.
  double episode_level_ = 0;  // Target intensity of the current episode.
  Vitals truth_;
  // Decay factors depend only on the step size, which rarely changes.
  double cached_dt_ = 0;
  double exertion_keep_ = 0;
  double exertion_slow_keep_ = 0;
};

}  // namespace heimdall::telemetry

#endif  // HEIMDALL_TELEMETRY_PHYSIOLOGY_H_
