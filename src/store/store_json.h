// Store records as JSON, for the control API and `heimdall status --json`.
// Times are milliseconds since the epoch; absent values are null.
#ifndef HEIMDALL_STORE_STORE_JSON_H_
#define HEIMDALL_STORE_STORE_JSON_H_

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace heimdall::store {

nlohmann::json ToJson(const Generation& generation);
nlohmann::json ToJson(const Incident& incident);
nlohmann::json ToJson(const HealAction& action);
nlohmann::json ToJson(const Sample& sample);

// "2026-12-04T16:03:43.250Z".
std::string FormatTime(Time time);

}  // namespace heimdall::store

#endif  // HEIMDALL_STORE_STORE_JSON_H_
