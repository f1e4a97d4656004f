#include "telemetry/physiology.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace heimdall::telemetry {
namespace {

// Resting means are drawn uniformly from these ranges, each well inside the
// healthy training range so drift and noise rarely leave it.
constexpr Vitals kBaselineLow{76.0, 98.60, 36.90, 13.0};
constexpr Vitals kBaselineHigh{82.0, 98.90, 37.00, 16.0};

// Drift: stationary standard deviation and correlation time (seconds).
constexpr Vitals kDriftSd{2.5, 0.20, 0.06, 1.0};
constexpr Vitals kDriftTau{900, 600, 3600, 600};
constexpr double kDriftBound = 4.0;  // In standard deviations.

// Exertion: a Poisson process of episodes, each with a duration and a
// target intensity; the body follows the target with a lag.
constexpr double kMeanSecondsBetweenEpisodes = 4 * 3600;
constexpr double kEpisodeMinSeconds = 5 * 60;
constexpr double kEpisodeMaxSeconds = 20 * 60;
constexpr double kEpisodeMinLevel = 0.3;
constexpr double kEpisodeMaxLevel = 1.0;
constexpr double kExertionLagSeconds = 60;
constexpr double kExertionSlowLagSeconds = 900;
// Change of each vital at full exertion (temperature uses the slow response).
constexpr Vitals kExertionEffect{35.0, -0.6, 0.3, 10.0};

// Tachycardia with body temperature: about 10 bpm per deg C.
constexpr double kHeartRatePerDegree = 10.0;

constexpr Vitals kSensorNoiseSd{1.0, 0.10, 0.02, 0.5};

// Stream numbers for DeriveSeed.
constexpr uint64_t kPhysiologyStream = 0;
constexpr uint64_t kSensorStream = 1;

// The fields of Vitals in the order of Vitals::kNames.
constexpr std::array<double Vitals::*, Vitals::kCount> kVitalFields = {
    &Vitals::heart_rate, &Vitals::oxygen_level, &Vitals::temperature,
    &Vitals::respiration_rate};

}  // namespace

double& Vitals::at(size_t i) {
  assert(i < kCount);
  return this->*kVitalFields[i];
}

double Vitals::at(size_t i) const {
  assert(i < kCount);
  return this->*kVitalFields[i];
}

Physiology::Physiology(uint64_t seed)
    : random_(DeriveSeed(seed, kPhysiologyStream)),
      sensor_random_(DeriveSeed(seed, kSensorStream)) {
  for (size_t i = 0; i < Vitals::kCount; ++i) {
    baseline_.at(i) = random_.Uniform(kBaselineLow.at(i), kBaselineHigh.at(i));
    Drift& drift = drift_[i];
    drift.sd = kDriftSd.at(i);
    drift.tau = kDriftTau.at(i);
    // Start in the stationary distribution, so time 0 looks like any other.
    drift.value = std::clamp(drift.sd * random_.Normal(),
                             -kDriftBound * drift.sd, kDriftBound * drift.sd);
  }
  Compose();
}

const Vitals& Physiology::Advance(double dt) {
  assert(dt > 0);
  if (dt != cached_dt_) CacheDecays(dt);
  for (Drift& drift : drift_) AdvanceDrift(drift);
  AdvanceExertion(dt);
  Compose();
  return truth_;
}

Vitals Physiology::Measure(const Vitals& truth) {
  Vitals reading = truth;
  for (size_t i = 0; i < Vitals::kCount; ++i) {
    reading.at(i) += kSensorNoiseSd.at(i) * sensor_random_.Normal();
  }
  reading.oxygen_level = std::min(reading.oxygen_level, 100.0);
  return reading;
}

void Physiology::CacheDecays(double dt) {
  cached_dt_ = dt;
  for (Drift& drift : drift_) {
    // The exact Ornstein-Uhlenbeck transition, valid for any step size.
    drift.keep = std::exp(-dt / drift.tau);
    drift.spread = drift.sd * std::sqrt(1 - drift.keep * drift.keep);
  }
  exertion_keep_ = std::exp(-dt / kExertionLagSeconds);
  exertion_slow_keep_ = std::exp(-dt / kExertionSlowLagSeconds);
}

void Physiology::AdvanceDrift(Drift& drift) {
  drift.value = drift.value * drift.keep + drift.spread * random_.Normal();
  drift.value =
      std::clamp(drift.value, -kDriftBound * drift.sd, kDriftBound * drift.sd);
}

void Physiology::AdvanceExertion(double dt) {
  if (episode_left_ > 0) {
    episode_left_ -= dt;
  } else if (random_.Bernoulli(dt / kMeanSecondsBetweenEpisodes)) {
    episode_left_ = random_.Uniform(kEpisodeMinSeconds, kEpisodeMaxSeconds);
    episode_level_ = random_.Uniform(kEpisodeMinLevel, kEpisodeMaxLevel);
  }
  const double target = episode_left_ > 0 ? episode_level_ : 0.0;
  exertion_ += (target - exertion_) * (1 - exertion_keep_);
  exertion_slow_ += (exertion_ - exertion_slow_) * (1 - exertion_slow_keep_);
}

void Physiology::Compose() {
  for (size_t i = 0; i < Vitals::kCount; ++i) {
    truth_.at(i) = baseline_.at(i) + drift_[i].value;
  }
  truth_.heart_rate += kExertionEffect.heart_rate * exertion_;
  truth_.oxygen_level += kExertionEffect.oxygen_level * exertion_;
  truth_.respiration_rate += kExertionEffect.respiration_rate * exertion_;
  truth_.temperature += kExertionEffect.temperature * exertion_slow_;
  truth_.heart_rate +=
      kHeartRatePerDegree * (truth_.temperature - baseline_.temperature);
  truth_.oxygen_level = std::min(truth_.oxygen_level, 100.0);
}

}  // namespace heimdall::telemetry
