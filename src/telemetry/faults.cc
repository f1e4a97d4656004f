#include "telemetry/faults.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace heimdall::telemetry {
namespace {

// One parameter of one fault kind: a number in a range, or a channel name.
struct ParamRule {
  FaultKind kind;
  std::string_view name;
  double FaultSpec::*number;  // Null for the channel parameter.
  double fallback;
  double min;
  bool min_inclusive;
  double max;
  bool max_inclusive;
};

constexpr std::string_view kChannel = "channel";
constexpr std::string_view kAllChannels = "all";

// oxygen_leak's floor stays below the critical SpO2 (85 %), so every leak
// becomes critical in time.
constexpr std::array<ParamRule, 8> kRules{{
    {FaultKind::kOxygenLeak, "rate", &FaultSpec::rate, 0.5, 0, false, 100,
     true},
    {FaultKind::kOxygenLeak, "floor", &FaultSpec::floor, 60, 0, true, 85,
     false},
    {FaultKind::kFever, "rate", &FaultSpec::rate, 0.1, 0, false, 10, true},
    {FaultKind::kFever, "peak", &FaultSpec::peak, 41, 37, false, 45, true},
    {FaultKind::kSensorStuck, kChannel, nullptr, 0, 0, true, 0, true},
    {FaultKind::kSensorDropout, kChannel, nullptr, 0, 0, true, 0, true},
    {FaultKind::kSensorDropout, "probability", &FaultSpec::probability, 1, 0,
     false, 1, true},
    {FaultKind::kCrash, "hang_s", &FaultSpec::hang_seconds, 30, 0, false, 3600,
     true},
}};

// Compensation per point of SpO2 lost, and per deg C of fever.
constexpr double kLeakHeartRatePerPoint = 2.0;
constexpr double kLeakRespirationPerPoint = 0.6;
constexpr double kFeverHeartRatePerDegree = 10.0;
constexpr double kFeverRespirationPerDegree = 1.5;

// acute's ranges, from the earlier simulator.
constexpr Vitals kAcuteLow{130, 85, 38, 24};
constexpr Vitals kAcuteHigh{160, 92, 40, 32};

std::vector<std::string_view> RuleNames(FaultKind kind) {
  std::vector<std::string_view> names;
  for (const ParamRule& rule : kRules) {
    if (rule.kind == kind) names.push_back(rule.name);
  }
  return names;
}

const ParamRule* FindRule(FaultKind kind, std::string_view name) {
  for (const ParamRule& rule : kRules) {
    if (rule.kind == kind && rule.name == name) return &rule;
  }
  return nullptr;
}

Status SetChannel(const FaultParam& value, FaultSpec* spec) {
  const std::string* text = std::get_if<std::string>(&value);
  if (text == nullptr) return Error("channel must be a string");
  const bool known = *text == kAllChannels ||
                     std::find(Vitals::kNames.begin(), Vitals::kNames.end(),
                               *text) != Vitals::kNames.end();
  if (!known) {
    return MakeError("channel '{}' is not one of {}, {}", *text,
                     fmt::join(Vitals::kNames, ", "), kAllChannels);
  }
  spec->channel = *text;
  return Status::Ok();
}

Status SetNumber(const ParamRule& rule, const FaultParam& value,
                 FaultSpec* spec) {
  const double* number = std::get_if<double>(&value);
  if (number == nullptr) return MakeError("{} must be a number", rule.name);
  const bool above_min =
      rule.min_inclusive ? *number >= rule.min : *number > rule.min;
  const bool below_max =
      rule.max_inclusive ? *number <= rule.max : *number < rule.max;
  if (!std::isfinite(*number) || !above_min || !below_max) {
    return MakeError("{} must be in {}{}, {}{} (got {})", rule.name,
                     rule.min_inclusive ? "[" : "(", rule.min, rule.max,
                     rule.max_inclusive ? "]" : ")", *number);
  }
  spec->*rule.number = *number;
  return Status::Ok();
}

FaultSpec Defaults(FaultKind kind) {
  FaultSpec spec;
  spec.kind = kind;
  spec.channel = std::string(kAllChannels);
  for (const ParamRule& rule : kRules) {
    if (rule.kind == kind && rule.number != nullptr) {
      spec.*rule.number = rule.fallback;
    }
  }
  return spec;
}

Status SetParam(const std::string& name, const FaultParam& value,
                FaultSpec* spec) {
  const ParamRule* rule = FindRule(spec->kind, name);
  if (rule == nullptr) {
    const std::vector<std::string_view> known = RuleNames(spec->kind);
    return MakeError(
        "unknown parameter '{}' (known: {})", name,
        known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", ")));
  }
  if (rule->number == nullptr) return SetChannel(value, spec);
  return SetNumber(*rule, value, spec);
}

}  // namespace

Result<FaultSpec> MakeFaultSpec(std::string_view kind,
                                const FaultParams& params) {
  const std::optional<FaultKind> parsed = ParseFaultKind(kind);
  if (!parsed || *parsed == FaultKind::kNone) {
    return MakeError(
        "unknown fault kind '{}' (known: acute, oxygen_leak, fever, "
        "sensor_stuck, sensor_dropout, crash)",
        kind);
  }
  FaultSpec spec = Defaults(*parsed);
  for (const auto& [name, value] : params) {
    const Status set = SetParam(name, value, &spec);
    if (!set.ok()) return set.Annotate(kind);
  }
  return spec;
}

FaultParams ParamsOf(const FaultSpec& spec) {
  FaultParams params;
  for (const ParamRule& rule : kRules) {
    if (rule.kind != spec.kind) continue;
    if (rule.number == nullptr) {
      params.emplace_back(std::string(rule.name), spec.channel);
    } else {
      params.emplace_back(std::string(rule.name), spec.*rule.number);
    }
  }
  return params;
}

FaultShape::FaultShape(FaultSpec spec, double start, uint64_t seed)
    : spec_(std::move(spec)), start_(start), random_(seed) {}

void FaultShape::ShapeTruth(double time, Vitals* truth) {
  const double minutes = std::max(0.0, time - start_) / 60;
  switch (spec_.kind) {
    case FaultKind::kAcute:
      for (size_t i = 0; i < Vitals::kCount; ++i) {
        acute_.at(i) = random_.Uniform(kAcuteLow.at(i), kAcuteHigh.at(i));
      }
      *truth = acute_;
      break;
    case FaultKind::kOxygenLeak: {
      const double level =
          std::max(truth->oxygen_level - spec_.rate * minutes, spec_.floor);
      const double lost = std::max(0.0, truth->oxygen_level - level);
      truth->oxygen_level -= lost;
      truth->heart_rate += kLeakHeartRatePerPoint * lost;
      truth->respiration_rate += kLeakRespirationPerPoint * lost;
      break;
    }
    case FaultKind::kFever: {
      const double level =
          std::min(truth->temperature + spec_.rate * minutes, spec_.peak);
      const double rise = std::max(0.0, level - truth->temperature);
      truth->temperature += rise;
      truth->heart_rate += kFeverHeartRatePerDegree * rise;
      truth->respiration_rate += kFeverRespirationPerDegree * rise;
      break;
    }
    default:
      break;  // Sensor faults and crash leave the astronaut alone.
  }
}

void FaultShape::ShapeReading(Vitals* reading) {
  switch (spec_.kind) {
    case FaultKind::kAcute:
      *reading = acute_;
      break;
    case FaultKind::kSensorStuck:
      if (!frozen_) frozen_ = *reading;
      for (size_t i = 0; i < Vitals::kCount; ++i) {
        if (Affects(i)) reading->at(i) = frozen_->at(i);
      }
      break;
    case FaultKind::kSensorDropout:
      for (size_t i = 0; i < Vitals::kCount; ++i) {
        // Draw for every channel so the stream does not depend on `channel`.
        const bool drop = random_.Bernoulli(spec_.probability);
        if (drop && Affects(i)) reading->at(i) = kMissing;
      }
      break;
    default:
      break;
  }
}

bool FaultShape::Affects(size_t channel) const {
  return spec_.channel == kAllChannels ||
         spec_.channel == Vitals::kNames[channel];
}

}  // namespace heimdall::telemetry
