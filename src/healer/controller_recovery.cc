// Start-up and shutdown of the controller: bring the store and the
// provider's infrastructure back to one known state after a restart.
#include <spdlog/spdlog.h>

#include "healer/controller.h"
#include "healer/heal_state_json.h"

namespace heimdall::healer {
namespace {

constexpr char kHealStateKey[] = "heal_state";

// The generation to try to keep: the newest live one that an interrupted
// heal was not already replacing.
std::optional<Deployment> AdoptionCandidate(
    const std::vector<store::Generation>& running,
    const std::optional<store::HealAction>& unfinished) {
  for (auto it = running.rbegin(); it != running.rend(); ++it) {
    if (it->status != store::GenerationStatus::kLive) continue;
    if (unfinished && it->id == unfinished->from_generation) continue;
    Result<Deployment> deployment = DeploymentFromJson(it->endpoints);
    if (deployment.ok()) return *deployment;
    spdlog::warn("generation {}: unreadable endpoints: {}", it->id,
                 deployment.error().message());
  }
  return std::nullopt;
}

}  // namespace

Status Controller::Start() {
  HEIMDALL_RETURN_IF_ERROR(LoadHealState());
  HEIMDALL_RETURN_IF_ERROR(Recover());
  Publish();
  if (deployment_) return Status::Ok();
  const Status built = BuildNext();
  Publish();
  return built;
}

Status Controller::Recover() {
  Result<std::optional<store::HealAction>> unfinished =
      store_.UnfinishedHealAction(options_.target);
  if (!unfinished.ok()) return unfinished.status();
  Result<std::vector<store::Generation>> running =
      store_.RunningGenerations(options_.target);
  if (!running.ok()) return running.status();

  // A heal that stopped before its archive was written: write it now,
  // while the failed generation's processes may still be there.
  if (*unfinished && (*unfinished)->phase == "archiving") {
    bool aborted = false;
    HEIMDALL_RETURN_IF_ERROR(ArchiveInterrupted(**unfinished, &aborted));
    // The generation it was healing is a candidate to keep again.
    if (aborted) *unfinished = std::optional<store::HealAction>();
  }
  Result<std::optional<Deployment>> adopted =
      provider_.Adopt(AdoptionCandidate(*running, *unfinished));
  if (!adopted.ok()) {
    return adopted.error().Annotate("recovering the provider's state");
  }
  deployment_ = std::move(*adopted);
  if (deployment_) live_since_ = clock_.Now();
  HEIMDALL_RETURN_IF_ERROR(RetireUnkept(*running, *unfinished));

  if (deployment_) {
    spdlog::info("adopted live generation {}", deployment_->generation_id);
  }
  if (!*unfinished) return Status::Ok();
  open_heal_ = **unfinished;
  heal_reason_ = "interrupted heal, finished after restart";
  spdlog::info("finishing heal {} interrupted in phase {}", open_heal_->id,
               open_heal_->phase);
  if (deployment_) return FinishHeal(deployment_->generation_id);
  return UpdatePhase(*open_heal_, "building");
}

Status Controller::ArchiveInterrupted(const store::HealAction& action,
                                      bool* aborted) {
  Result<std::optional<store::Generation>> generation =
      store_.GetGeneration(action.from_generation);
  if (!generation.ok()) return generation.status();
  if (generation->has_value() && (*generation)->archive.is_null()) {
    Result<Deployment> deployment =
        DeploymentFromJson((*generation)->endpoints);
    std::optional<Error> failure;
    if (deployment.ok()) {
      HEIMDALL_RETURN_IF_ERROR(Archive(*deployment, &failure));
    }
    if (failure) {
      open_heal_ = action;
      heal_reason_ = "interrupted heal";
      *aborted = true;
      return AbortHeal(*failure);
    }
  }
  store::HealAction updated = action;
  return UpdatePhase(updated, "destroying");
}

Status Controller::RetireUnkept(
    const std::vector<store::Generation>& running,
    const std::optional<store::HealAction>& unfinished) {
  for (const store::Generation& g : running) {
    if (deployment_ && g.id == deployment_->generation_id) continue;
    const bool healed = unfinished && g.id == unfinished->from_generation;
    const std::string reason =
        healed ? "heal (finished after a controller restart)"
               : "not adopted after a controller restart";
    const store::GenerationStatus status =
        g.status == store::GenerationStatus::kBuilding
            ? store::GenerationStatus::kFailed
            : store::GenerationStatus::kStopped;
    HEIMDALL_RETURN_IF_ERROR(SetGenerationStopped(g.id, status, reason));
  }
  return Status::Ok();
}

Status Controller::LoadHealState() {
  Result<std::optional<std::string>> text =
      store_.GetControl(options_.target, kHealStateKey);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return Status::Ok();
  Result<HealState> state =
      HealStateFromJson(nlohmann::json::parse(**text, nullptr, false));
  if (!state.ok()) return state.error().Annotate("loading the heal state");
  heal_state_ = std::move(*state);
  return Status::Ok();
}

Status Controller::SaveHealState() {
  return store_.SetControl(options_.target, kHealStateKey,
                           ToJson(heal_state_).dump());
}

Status Controller::Shutdown() {
  if (deployment_ && provider_.KeepOnStop()) {
    spdlog::info("generation {} left running for the next start to adopt",
                 deployment_->generation_id);
    deployment_.reset();
  }
  if (deployment_) {
    const Status destroyed = provider_.Destroy(*deployment_);
    if (!destroyed.ok()) return destroyed;
    HEIMDALL_RETURN_IF_ERROR(SetGenerationStopped(
        deployment_->generation_id, store::GenerationStatus::kStopped,
        ended_ ? "telemetry ended" : "controller stopped"));
    spdlog::info("generation {} stopped", deployment_->generation_id);
    deployment_.reset();
  }
  phase_ = Phase::kStopped;
  Publish();
  return Status::Ok();
}

}  // namespace heimdall::healer
