// One reading from a telemetry source.
//
// A Sample is what the controller scores: a time, named numeric values (vital
// signs from the simulator, or the columns of a replayed file), and, from the
// simulator only, the ground truth a reading cannot show (is the astronaut
// critical, which fault is active). Samples are copied in the hot loop, so a
// Sample allocates nothing of its own: its values sit in a fixed array and
// the names and subject live in a Schema shared by every sample of a source.
#ifndef HEIMDALL_TELEMETRY_SAMPLE_H_
#define HEIMDALL_TELEMETRY_SAMPLE_H_

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace heimdall::telemetry {

// Value names the simulator uses; they match the earlier wire contract.
inline constexpr std::string_view kHeartRate = "heart_rate";      // bpm
inline constexpr std::string_view kOxygenLevel = "oxygen_level";  // SpO2 %
inline constexpr std::string_view kTemperature = "temperature";   // deg C
inline constexpr std::string_view kRespirationRate =
    "respiration_rate";  // breaths per minute

// The most values one sample can carry.
inline constexpr size_t kMaxValues = 8;

// A value that was not measured (sensor dropout, blank cell). Test with
// IsMissing, never with ==.
inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
inline bool IsMissing(double value) { return std::isnan(value); }

// What a source's samples carry. Immutable once a source has made it.
struct Schema {
  std::string subject;             // Astronaut id or series name.
  std::vector<std::string> names;  // Value names, at most kMaxValues.

  // The position of value `name`, if the schema has it.
  std::optional<size_t> Index(std::string_view name) const;
};

enum class FaultKind : uint8_t {
  kNone,
  kAcute,
  kOxygenLeak,
  kFever,
  kSensorStuck,
  kSensorDropout,
  kCrash,
};

// "none", "acute", "oxygen_leak", "fever", "sensor_stuck", "sensor_dropout",
// "crash": the names used on the wire and the command line.
std::string_view FaultKindName(FaultKind kind);
// The kind called `name`, or nullopt for an unknown name.
std::optional<FaultKind> ParseFaultKind(std::string_view name);

// What the simulator knows and a reading does not show.
struct GroundTruth {
  // The astronaut's true vitals are critical: SpO2 < 85 %, heart rate > 180
  // or < 40 bpm, or temperature > 40 deg C (see IsCritical).
  bool critical = false;
  FaultKind fault = FaultKind::kNone;  // The fault active at this sample.
};

// An ISO-8601 time held inline ("2013-12-02T21:15:00.250Z" fits).
class Timestamp {
 public:
  Timestamp() = default;
  // Keeps at most kCapacity characters of `text`.
  explicit Timestamp(std::string_view text);
  std::string_view view() const { return {chars_.data(), size_}; }

  static constexpr size_t kCapacity = 31;

 private:
  std::array<char, kCapacity> chars_{};
  uint8_t size_ = 0;
};

struct Sample {
  // Seconds on the source's clock. Never decreases from one sample of a
  // source to the next (a replayed file whose time steps backwards keeps the
  // previous time here; its own text stays in `timestamp`).
  double time = 0;
  Timestamp timestamp;
  // Names of `values`; set on every sample a source returns.
  std::shared_ptr<const Schema> schema;
  // values[i] is named schema->names[i]; kMissing when not measured. Entries
  // past schema->names.size() are unused.
  std::array<double, kMaxValues> values{};
  // Set by the simulator; absent for replayed or polled samples.
  std::optional<GroundTruth> truth;

  size_t size() const { return schema ? schema->names.size() : 0; }
  // The value called `name`, or nullopt if it is missing or unknown.
  std::optional<double> Get(std::string_view name) const;
};

// The critical rule for vital signs; missing values are not critical.
bool IsCritical(double heart_rate, double oxygen_level, double temperature);

}  // namespace heimdall::telemetry

#endif  // HEIMDALL_TELEMETRY_SAMPLE_H_
