#include "store/observed_store.h"

#include <cassert>
#include <utility>

#include "store/store_json.h"

namespace heimdall::store {

ObservedStore::ObservedStore(Store& inner, StoreListener listener)
    : inner_(inner), listener_(std::move(listener)) {
  assert(listener_);
}

template <typename Record>
Result<int64_t> ObservedStore::ReportAdded(std::string_view kind, Record record,
                                           Result<int64_t> id) {
  if (!id.ok()) return id;
  record.id = *id;
  listener_(kind, ToJson(record));
  return id;
}

template <typename Record>
Status ObservedStore::ReportUpdated(std::string_view kind, const Record& record,
                                    Status status) {
  if (status.ok()) listener_(kind, ToJson(record));
  return status;
}

Result<int64_t> ObservedStore::AddGeneration(const Generation& generation) {
  return ReportAdded("generation", generation,
                     inner_.AddGeneration(generation));
}

Status ObservedStore::UpdateGeneration(const Generation& generation) {
  return ReportUpdated("generation", generation,
                       inner_.UpdateGeneration(generation));
}

Result<std::optional<Generation>> ObservedStore::GetGeneration(int64_t id) {
  return inner_.GetGeneration(id);
}

Result<std::vector<Generation>> ObservedStore::ListGenerations(
    std::string_view target, int limit) {
  return inner_.ListGenerations(target, limit);
}

Result<std::vector<Generation>> ObservedStore::RunningGenerations(
    std::string_view target) {
  return inner_.RunningGenerations(target);
}

Result<int64_t> ObservedStore::AddIncident(const Incident& incident) {
  return ReportAdded("incident", incident, inner_.AddIncident(incident));
}

Result<std::vector<Incident>> ObservedStore::ListIncidents(
    std::string_view target, int limit) {
  return inner_.ListIncidents(target, limit);
}

Result<int64_t> ObservedStore::AddHealAction(const HealAction& action) {
  return ReportAdded("heal", action, inner_.AddHealAction(action));
}

Status ObservedStore::UpdateHealAction(const HealAction& action) {
  return ReportUpdated("heal", action, inner_.UpdateHealAction(action));
}

Result<std::vector<HealAction>> ObservedStore::ListHealActions(
    std::string_view target, int limit) {
  return inner_.ListHealActions(target, limit);
}

Result<std::optional<HealAction>> ObservedStore::UnfinishedHealAction(
    std::string_view target) {
  return inner_.UnfinishedHealAction(target);
}

Result<int64_t> ObservedStore::AddSample(const Sample& sample) {
  return ReportAdded("sample", sample, inner_.AddSample(sample));
}

Result<std::vector<Sample>> ObservedStore::RecentSamples(
    std::string_view target, int limit) {
  return inner_.RecentSamples(target, limit);
}

Result<std::optional<std::string>> ObservedStore::GetControl(
    std::string_view target, std::string_view key) {
  return inner_.GetControl(target, key);
}

Status ObservedStore::SetControl(std::string_view target, std::string_view key,
                                 std::string_view value) {
  return inner_.SetControl(target, key, value);
}

}  // namespace heimdall::store
