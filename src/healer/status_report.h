// What `heimdall status` and `heimdall incidents` print, read from the
// store alone (they work while `heimdall up` runs, or after it stopped).
#ifndef HEIMDALL_HEALER_STATUS_REPORT_H_
#define HEIMDALL_HEALER_STATUS_REPORT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "healer/policy.h"
#include "store/store.h"

namespace heimdall::healer {

struct StatusReport {
  std::string target;
  std::optional<store::Generation> live;       // Newest generation "live".
  std::optional<HealState> heal_state;         // As last stored.
  std::vector<store::Generation> generations;  // Newest first.
  std::vector<store::Incident> incidents;      // Newest first.
  std::vector<store::HealAction> heals;        // Newest first.
};

// Reads the newest `limit` of each kind for `target`.
Result<StatusReport> ReadStatus(store::Store& store, std::string_view target,
                                int limit);

nlohmann::json ToJson(const StatusReport& report);
// Human-readable: the live generation, healing state, MTTR, then tables.
std::string FormatStatus(const StatusReport& report);
// One line per incident under a header.
std::string FormatIncidents(const std::vector<store::Incident>& incidents);

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_STATUS_REPORT_H_
