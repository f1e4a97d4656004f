#include "telemetry/sample.h"

#include <algorithm>

namespace heimdall::telemetry {
namespace {

constexpr std::array<std::pair<FaultKind, std::string_view>, 7> kFaultNames{{
    {FaultKind::kNone, "none"},
    {FaultKind::kAcute, "acute"},
    {FaultKind::kOxygenLeak, "oxygen_leak"},
    {FaultKind::kFever, "fever"},
    {FaultKind::kSensorStuck, "sensor_stuck"},
    {FaultKind::kSensorDropout, "sensor_dropout"},
    {FaultKind::kCrash, "crash"},
}};

}  // namespace

std::optional<size_t> Schema::Index(std::string_view name) const {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return i;
  }
  return std::nullopt;
}

std::string_view FaultKindName(FaultKind kind) {
  for (const auto& [k, name] : kFaultNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<FaultKind> ParseFaultKind(std::string_view name) {
  for (const auto& [kind, n] : kFaultNames) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

Timestamp::Timestamp(std::string_view text)
    : size_(static_cast<uint8_t>(std::min(text.size(), kCapacity))) {
  std::copy_n(text.data(), size_, chars_.data());
}

std::optional<double> Sample::Get(std::string_view name) const {
  if (!schema) return std::nullopt;
  const std::optional<size_t> index = schema->Index(name);
  if (!index || IsMissing(values[*index])) return std::nullopt;
  return values[*index];
}

bool IsCritical(double heart_rate, double oxygen_level, double temperature) {
  // Comparisons with NaN are false, so missing values never count.
  return oxygen_level < 85.0 || heart_rate > 180.0 || heart_rate < 40.0 ||
         temperature > 40.0;
}

}  // namespace heimdall::telemetry
