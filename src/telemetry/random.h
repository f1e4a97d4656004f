// A seeded random stream that yields the same numbers on every platform.
//
// std::mt19937_64 is specified bit for bit by the standard, but the
// distributions in <random> are not, so the simulator draws its uniforms and
// normals here from the engine's raw output. Not thread-safe.
#ifndef HEIMDALL_TELEMETRY_RANDOM_H_
#define HEIMDALL_TELEMETRY_RANDOM_H_

#include <cstdint>
#include <random>

namespace heimdall::telemetry {

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1), with 53 random bits.
  double Uniform();
  // Uniform in [low, high).
  double Uniform(double low, double high) {
    return low + (high - low) * Uniform();
  }
  // Standard normal (polar method; the second value of each pair is kept
  // for the next call).
  double Normal();
  // True with probability `p`.
  bool Bernoulli(double p) { return Uniform() < p; }

 private:
  std::mt19937_64 engine_;
  double spare_normal_ = 0;
  bool has_spare_ = false;
};

// Derives an independent seed from `seed` and a stream number (SplitMix64),
// so one user seed can feed several streams that do not overlap.
uint64_t DeriveSeed(uint64_t seed, uint64_t stream);

}  // namespace heimdall::telemetry

#endif  // HEIMDALL_TELEMETRY_RANDOM_H_
