// HealState as JSON, so backoff, the breaker and pause survive a restart.
//
//   {"version": 1, "above_count": 0, "above_since": null | ms,
//    "unscored_count": 0, "unresponsive_count": 0,
//    "fingerprint": null | "<decimal u64>", "fingerprint_since": null | ms,
//    "grace_until": ms,
//    "not_before": ms, "not_before_is_backoff": false, "quiet_until": ms,
//    "last_trouble": ms,
//    "consecutive_heals": 0, "recent_heals": [ms, ...],
//    "breaker_open": false, "paused": false, "rng": "<decimal u64>"}
//
// Times are milliseconds since the epoch. The generator state is a string
// because JSON numbers lose precision past 2^53.
#ifndef HEIMDALL_HEALER_HEAL_STATE_JSON_H_
#define HEIMDALL_HEALER_HEAL_STATE_JSON_H_

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "healer/policy.h"

namespace heimdall::healer {

nlohmann::json ToJson(const HealState& state);
// Fails, naming the field, on a missing or mistyped field or another
// version.
Result<HealState> HealStateFromJson(const nlohmann::json& json);

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_HEAL_STATE_JSON_H_
