// A Store that reports every record written through it, so the dashboard
// can be told of samples, incidents, heal phases and generations as they
// are stored (and only once they are: a failed write reports nothing).
#ifndef HEIMDALL_STORE_OBSERVED_STORE_H_
#define HEIMDALL_STORE_OBSERVED_STORE_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "store/store.h"

namespace heimdall::store {

// Called after a successful write with the kind of record ("generation",
// "incident", "heal" for heal actions, "sample") and the record as
// store_json.h writes it, with the id the store assigned. Runs on the
// writing thread, after the write; must be thread-safe if writers are
// many, and must not call back into the store.
using StoreListener =
    std::function<void(std::string_view kind, const nlohmann::json& record)>;

class ObservedStore final : public Store {
 public:
  // `inner` must outlive this object; `listener` must not be empty.
  ObservedStore(Store& inner, StoreListener listener);

  Result<int64_t> AddGeneration(const Generation& generation) override;
  Status UpdateGeneration(const Generation& generation) override;
  Result<std::optional<Generation>> GetGeneration(int64_t id) override;
  Result<std::vector<Generation>> ListGenerations(std::string_view target,
                                                  int limit) override;
  Result<std::vector<Generation>> RunningGenerations(
      std::string_view target) override;

  Result<int64_t> AddIncident(const Incident& incident) override;
  Result<std::vector<Incident>> ListIncidents(std::string_view target,
                                              int limit) override;

  Result<int64_t> AddHealAction(const HealAction& action) override;
  Status UpdateHealAction(const HealAction& action) override;
  Result<std::vector<HealAction>> ListHealActions(std::string_view target,
                                                  int limit) override;
  Result<std::optional<HealAction>> UnfinishedHealAction(
      std::string_view target) override;

  Result<int64_t> AddSample(const Sample& sample) override;
  Result<std::vector<Sample>> RecentSamples(std::string_view target,
                                            int limit) override;

  Result<std::optional<std::string>> GetControl(std::string_view target,
                                                std::string_view key) override;
  Status SetControl(std::string_view target, std::string_view key,
                    std::string_view value) override;

 private:
  // Report the record (with the id the store assigned) if the write worked.
  template <typename Record>
  Result<int64_t> ReportAdded(std::string_view kind, Record record,
                              Result<int64_t> id);
  template <typename Record>
  Status ReportUpdated(std::string_view kind, const Record& record,
                       Status status);

  Store& inner_;
  StoreListener listener_;
};

}  // namespace heimdall::store

#endif  // HEIMDALL_STORE_OBSERVED_STORE_H_
