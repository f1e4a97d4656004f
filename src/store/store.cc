#include "store/store.h"

namespace heimdall::store {

std::string_view ToString(GenerationStatus status) {
  switch (status) {
    case GenerationStatus::kBuilding:
      return "building";
    case GenerationStatus::kLive:
      return "live";
    case GenerationStatus::kDestroying:
      return "destroying";
    case GenerationStatus::kStopped:
      return "stopped";
    case GenerationStatus::kFailed:
      return "failed";
  }
  return "?";
}

Result<GenerationStatus> ParseGenerationStatus(std::string_view text) {
  for (GenerationStatus status :
       {GenerationStatus::kBuilding, GenerationStatus::kLive,
        GenerationStatus::kDestroying, GenerationStatus::kStopped,
        GenerationStatus::kFailed}) {
    if (ToString(status) == text) return status;
  }
  return MakeError("unknown generation status \"{}\"", text);
}

bool MayBeRunning(GenerationStatus status) {
  return status == GenerationStatus::kBuilding ||
         status == GenerationStatus::kLive ||
         status == GenerationStatus::kDestroying;
}

std::chrono::milliseconds HealAction::duration() const {
  if (!ended_at) return std::chrono::milliseconds(0);
  return *ended_at - started_at;
}

}  // namespace heimdall::store
