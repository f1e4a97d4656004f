#include "healer/controller.h"

#include <spdlog/spdlog.h>

#include "healer/heal_state_json.h"

namespace heimdall::healer {
namespace {

int64_t Ms(TimePoint t) { return t.time_since_epoch().count(); }

std::string FormatProbability(const std::optional<double>& p) {
  return p ? fmt::format("{:.3f}", *p) : "none";
}

nlohmann::json ToJson(const Decision& d) {
  return {{"action", ToString(d.action)},
          {"reason", ToString(d.reason)},
          {"hold", ToString(d.hold)},
          {"hold_until", d.hold_until == TimePoint{}
                             ? nlohmann::json(nullptr)
                             : nlohmann::json(Ms(d.hold_until))}};
}

}  // namespace

std::string_view ToString(Phase phase) {
  switch (phase) {
    case Phase::kStarting:
      return "starting";
    case Phase::kBuilding:
      return "building";
    case Phase::kWatching:
      return "watching";
    case Phase::kHealing:
      return "healing";
    case Phase::kStopped:
      return "stopped";
  }
  return "?";
}

std::string_view ToString(HealEvent::Kind kind) {
  switch (kind) {
    case HealEvent::Kind::kStarted:
      return "started";
    case HealEvent::Kind::kDone:
      return "done";
    case HealEvent::Kind::kFailed:
      return "failed";
    case HealEvent::Kind::kBreakerOpened:
      return "breaker_opened";
  }
  return "?";
}

nlohmann::json ToJson(const ControllerSnapshot& s) {
  const HealState& h = s.heal_state;
  return {{"phase", ToString(s.phase)},
          {"generation",
           s.deployment ? ToJson(*s.deployment) : nlohmann::json(nullptr)},
          {"dry_run", s.dry_run},
          {"paused", h.paused},
          {"breaker_open", h.breaker_open},
          {"grace_until", Ms(h.grace_until)},
          {"not_before", Ms(h.not_before)},
          {"consecutive_heals", h.consecutive_heals},
          {"recent_heals", h.recent_heals.size()},
          {"last_reading",
           s.last_reading ? s.last_reading->ToJson() : nlohmann::json(nullptr)},
          {"last_decision", ToJson(s.last_decision)},
          {"heals", s.heals},
          {"failed_heals", s.failed_heals},
          {"incidents", s.incidents},
          {"readings", s.readings},
          {"problem", s.problem}};
}

Controller::Controller(ControllerOptions options, store::Store& store,
                       Provider& provider, Probe& probe, Clock& clock)
    : options_(std::move(options)),
      store_(store),
      provider_(provider),
      probe_(probe),
      clock_(clock) {
  heal_state_.rng = options_.seed;
  Publish();
}

Status Controller::Run() {
  HEIMDALL_RETURN_IF_ERROR(Start());
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) break;
    }
    if (ended_) break;
    const TimePoint next = clock_.Now() + options_.interval;
    HEIMDALL_RETURN_IF_ERROR(Step());
    // Retrying a destroy or a build, the next useful moment is the retry.
    clock_.SleepUntil(deployment_ && !Destroying() ? next : retry_not_before_);
  }
  return Shutdown();
}

void Controller::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  clock_.Wake();
}

void Controller::RequestHeal() {
  {
    std::lock_guard lock(mutex_);
    commands_.push_back({CommandKind::kHeal, ""});
  }
  clock_.Wake();
}

void Controller::RequestAlertHeal(std::string detail) {
  {
    std::lock_guard lock(mutex_);
    commands_.push_back({CommandKind::kAlertHeal, std::move(detail)});
  }
  clock_.Wake();
}

void Controller::SetPaused(bool paused) {
  {
    std::lock_guard lock(mutex_);
    commands_.push_back(
        {paused ? CommandKind::kPause : CommandKind::kResume, ""});
  }
  clock_.Wake();
}

void Controller::ResetBreaker() {
  {
    std::lock_guard lock(mutex_);
    commands_.push_back({CommandKind::kResetBreaker, ""});
  }
  clock_.Wake();
}

ControllerSnapshot Controller::Snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

void Controller::Emit(HealEvent::Kind kind, std::string reason,
                      std::optional<double> probability, Duration duration,
                      std::string detail) {
  if (!options_.on_heal_event) return;
  HealEvent event;
  event.kind = kind;
  event.target = options_.target;
  event.reason = std::move(reason);
  event.generation_id = open_heal_    ? open_heal_->from_generation
                        : deployment_ ? deployment_->generation_id
                                      : 0;
  event.probability = probability;
  event.duration = duration;
  event.detail = std::move(detail);
  options_.on_heal_event(event);
}

void Controller::Publish() {
  std::unique_lock lock(mutex_);
  snapshot_.phase = phase_;
  snapshot_.deployment = deployment_;
  snapshot_.heal_state = heal_state_;
  snapshot_.dry_run = options_.policy.dry_run;
  snapshot_.last_reading = last_reading_;
  snapshot_.last_decision = last_decision_;
  snapshot_.heals = heals_;
  snapshot_.failed_heals = failed_heals_;
  snapshot_.incidents = incidents_;
  snapshot_.readings = readings_;
  snapshot_.live_since = deployment_ ? live_since_ : TimePoint{};
  snapshot_.problem = problem_;
  if (!options_.on_snapshot) return;
  const ControllerSnapshot published = snapshot_;
  lock.unlock();
  options_.on_snapshot(published);
}

Status Controller::Step() {
  std::optional<HealRequest> heal_request;
  Status status = ApplyCommands(&heal_request);
  if (status.ok()) {
    if (Destroying()) {
      if (clock_.Now() >= retry_not_before_) status = ContinueDestroy();
    } else if (!deployment_) {
      if (clock_.Now() >= retry_not_before_) status = BuildNext();
    } else {
      status = Watch(heal_request);
    }
  }
  Publish();
  return status;
}

Status Controller::ApplyCommands(std::optional<HealRequest>* heal_request) {
  std::vector<Command> commands;
  {
    std::lock_guard lock(mutex_);
    commands.swap(commands_);
  }
  bool changed = false;
  for (Command& command : commands) {
    switch (command.kind) {
      case CommandKind::kHeal:
        *heal_request = HealRequest{HealReason::kForced, ""};
        break;
      case CommandKind::kAlertHeal:
        // An operator's forced heal wins over an alert in the same step.
        if (!*heal_request) {
          *heal_request =
              HealRequest{HealReason::kAlert, std::move(command.detail)};
        }
        break;
      case CommandKind::kPause:
      case CommandKind::kResume:
        heal_state_.paused = command.kind == CommandKind::kPause;
        spdlog::info("healing {}", heal_state_.paused ? "paused" : "resumed");
        changed = true;
        break;
      case CommandKind::kResetBreaker:
        heal_state_ = healer::ResetBreaker(heal_state_);
        spdlog::info("circuit breaker reset: automatic healing resumes");
        changed = true;
        break;
    }
  }
  return changed ? SaveHealState() : Status::Ok();
}

Status Controller::Watch(const std::optional<HealRequest>& heal_request) {
  phase_ = Phase::kWatching;
  const Reading reading = probe_.Poll(*deployment_, clock_.Now());
  last_reading_ = reading;
  ++readings_;
  HEIMDALL_RETURN_IF_ERROR(RecordSample(reading));
  if (reading.ended) {
    spdlog::info("telemetry ended ({}); stopping", reading.error);
    ended_ = true;
    return Status::Ok();
  }
  if (heal_request && heal_request->reason == HealReason::kAlert) {
    return HealOnAlert(reading, heal_request->detail);
  }
  if (heal_request) {
    spdlog::info("forced heal requested");
    heal_state_ = OnForcedHeal(heal_state_, reading.time);
    return Heal(reading, HealReason::kForced);
  }
  const healer::Step step =
      Decide(options_.policy, heal_state_, reading.ToObservation());
  heal_state_ = step.state;
  last_decision_ = step.decision;
  return Act(reading, step.decision);
}

Status Controller::HealOnAlert(const Reading& reading,
                               const std::string& detail) {
  const healer::Step step = OnAlert(options_.policy, heal_state_, reading.time);
  heal_state_ = step.state;
  last_decision_ = step.decision;
  if (step.decision.action == Action::kNone) {
    // TODO: an alert held by grace, cooldown or backoff is dropped here;
    // only Alertmanager re-sending it (repeat_interval, a group change)
    // brings it back. Keeping firing alerts by fingerprint (cleared by
    // resolved notifications) would let the heal follow when the hold ends.
    spdlog::info("alert not acted on ({}): {}", ToString(step.decision.hold),
                 detail);
    return SaveHealState();
  }
  if (step.decision.action == Action::kHeal) {
    return Heal(reading, HealReason::kAlert, "healing: " + detail);
  }
  return Act(reading, step.decision);
}

Status Controller::Act(const Reading& reading, const Decision& decision) {
  if (decision.action == Action::kHeal) return Heal(reading, decision.reason);
  if (decision.action != Action::kWouldHeal) return Status::Ok();

  if (decision.breaker_tripped) {
    spdlog::error(
        "circuit breaker OPEN: more than {} heals in {} s; automatic healing "
        "stops (watching in dry-run) until POST /api/breaker/reset",
        options_.policy.breaker.max_heals,
        std::chrono::duration_cast<std::chrono::seconds>(
            options_.policy.breaker.window)
            .count());
  }
  if (decision.breaker_tripped) {
    Emit(HealEvent::Kind::kBreakerOpened,
         std::string(ToString(decision.reason)), reading.probability);
  }
  const std::string_view action =
      decision.breaker_tripped ? "breaker_open" : "would_heal";
  Result<int64_t> incident =
      RecordIncident(reading, decision.reason, action,
                     fmt::format("not healed: {}", ToString(decision.hold)));
  if (!incident.ok()) return incident.status();
  return SaveHealState();
}

Status Controller::RecordSample(const Reading& reading) {
  recent_readings_.push_back(reading.ToJson());
  while (recent_readings_.size() >
         static_cast<size_t>(std::max(options_.incident_readings, 1))) {
    recent_readings_.pop_front();
  }
  store::Sample sample;
  sample.target = options_.target;
  sample.generation_id = deployment_->generation_id;
  sample.time = reading.time;
  sample.responsive = reading.responsive;
  sample.probability = reading.probability;
  sample.readings = reading.values;
  return store_.AddSample(sample).status();
}

Result<int64_t> Controller::RecordIncident(const Reading& reading,
                                           HealReason reason,
                                           std::string_view action,
                                           const std::string& detail) {
  store::Incident incident;
  incident.target = options_.target;
  incident.generation_id = deployment_ ? deployment_->generation_id : 0;
  incident.time = reading.time;
  incident.reason = std::string(ToString(reason));
  incident.action = std::string(action);
  // The probability that triggered it: this reading's, or the latest one.
  incident.probability = reading.probability;
  for (auto it = recent_readings_.rbegin();
       !incident.probability && it != recent_readings_.rend(); ++it) {
    if ((*it)["probability"].is_number()) {
      incident.probability = (*it)["probability"].get<double>();
    }
  }
  incident.readings = nlohmann::json(recent_readings_);
  incident.detail = reading.error.empty() ? detail
                                          : fmt::format("{}; last error: {}",
                                                        detail, reading.error);
  Result<int64_t> id = store_.AddIncident(incident);
  if (!id.ok()) return id;
  ++incidents_;
  spdlog::info(
      "incident {}: {} ({}) on generation {}, probability {}, values {}{}", *id,
      incident.reason, incident.action, incident.generation_id,
      FormatProbability(incident.probability), reading.values.dump(),
      reading.timestamp.empty() ? "" : ", source time " + reading.timestamp);
  return id;
}

Status Controller::Heal(const Reading& reading, HealReason reason,
                        const std::string& detail) {
  phase_ = Phase::kHealing;
  Result<int64_t> incident = RecordIncident(reading, reason, "heal", detail);
  if (!incident.ok()) return incident.status();
  // The decision (backoff, breaker history) is durable before any action.
  HEIMDALL_RETURN_IF_ERROR(SaveHealState());

  store::HealAction action;
  action.target = options_.target;
  action.incident_id = *incident;
  action.from_generation = deployment_->generation_id;
  action.phase = "archiving";
  action.started_at = clock_.Now();
  Result<int64_t> id = store_.AddHealAction(action);
  if (!id.ok()) return id.status();
  action.id = *id;
  open_heal_ = action;
  heal_reason_ = std::string(ToString(reason));
  Emit(HealEvent::Kind::kStarted, heal_reason_, reading.probability);
  HealPhaseReached(action.phase);

  std::optional<Error> failure;
  HEIMDALL_RETURN_IF_ERROR(Archive(*deployment_, &failure));
  if (failure) return AbortHeal(*failure);
  HEIMDALL_RETURN_IF_ERROR(UpdatePhase(*open_heal_, "destroying"));
  return ContinueDestroy();
}

Status Controller::Archive(const Deployment& deployment,
                           std::optional<Error>* failure) {
  Result<std::optional<store::Generation>> generation =
      store_.GetGeneration(deployment.generation_id);
  if (!generation.ok()) return generation.status();
  if (!generation->has_value()) {
    return MakeError("generation {} is not in the store",
                     deployment.generation_id);
  }
  // Without its archive a destroy would lose what only the generation
  // knows (for Terraform, the state of what it built), so the caller
  // aborts the heal instead of destroying.
  Result<nlohmann::json> archive = provider_.Archive(deployment);
  if (!archive.ok()) {
    *failure = archive.error();
    return Status::Ok();
  }
  store::Generation& g = **generation;
  g.archive = std::move(*archive);
  g.status = store::GenerationStatus::kDestroying;
  return store_.UpdateGeneration(g);
}

Status Controller::AbortHeal(const Error& error) {
  problem_ = fmt::format(
      "heal {} aborted, generation {} left running: the archive failed: {}",
      open_heal_->id, open_heal_->from_generation, error.message());
  spdlog::error("{}", problem_);
  open_heal_->phase = "failed";
  open_heal_->outcome = "failed";
  open_heal_->error = error.message();
  open_heal_->ended_at = clock_.Now();
  HEIMDALL_RETURN_IF_ERROR(store_.UpdateHealAction(*open_heal_));
  ++failed_heals_;
  Emit(HealEvent::Kind::kFailed, heal_reason_, std::nullopt,
       open_heal_->duration(), error.message());
  open_heal_.reset();
  if (deployment_) phase_ = Phase::kWatching;
  return Status::Ok();
}

Status Controller::ContinueDestroy() {
  phase_ = Phase::kHealing;
  const Status destroyed = provider_.Destroy(*deployment_);
  if (!destroyed.ok()) {
    // Something may still run: never build a second generation beside it.
    const Duration delay = BackOffAfterFailure();
    problem_ =
        fmt::format("destroy failed ({} in a row), retrying in {} ms: {}",
                    provider_failures_, delay.count(), destroyed.ToString());
    spdlog::error("{}", problem_);
    open_heal_->error = problem_;
    return store_.UpdateHealAction(*open_heal_);
  }
  provider_failures_ = 0;
  problem_.clear();
  HEIMDALL_RETURN_IF_ERROR(SetGenerationStopped(
      deployment_->generation_id, store::GenerationStatus::kStopped,
      "heal: " + heal_reason_));
  deployment_.reset();
  HEIMDALL_RETURN_IF_ERROR(UpdatePhase(*open_heal_, "building"));
  return BuildNext();
}

Status Controller::BuildNext() {
  phase_ = Phase::kBuilding;
  store::Generation g;
  g.target = options_.target;
  g.provider = std::string(provider_.name());
  g.status = store::GenerationStatus::kBuilding;
  g.started_at = clock_.Now();
  Result<int64_t> id = store_.AddGeneration(g);
  if (!id.ok()) return id.status();
  g.id = *id;
  if (open_heal_) {
    open_heal_->to_generation = g.id;
    HEIMDALL_RETURN_IF_ERROR(store_.UpdateHealAction(*open_heal_));
  }

  Result<Deployment> built = provider_.Build(g.id);
  if (!built.ok()) return BuildFailed(g, built.error());
  g.status = store::GenerationStatus::kLive;
  g.endpoints = ToJson(*built);
  HEIMDALL_RETURN_IF_ERROR(store_.UpdateGeneration(g));

  deployment_ = std::move(*built);
  const TimePoint now = clock_.Now();
  live_since_ = now;
  spdlog::info("generation {} live in {} ms: simulator {}, predictor {}", g.id,
               (now - g.started_at).count(), deployment_->simulator_url,
               deployment_->predictor_url);
  provider_failures_ = 0;
  problem_.clear();
  recent_readings_.clear();
  heal_state_ = OnGenerationBuilt(options_.policy, heal_state_, now);
  HEIMDALL_RETURN_IF_ERROR(SaveHealState());
  phase_ = Phase::kWatching;
  return open_heal_ ? FinishHeal(g.id) : Status::Ok();
}

Status Controller::BuildFailed(store::Generation& g, const Error& error) {
  const Duration delay = BackOffAfterFailure();
  problem_ = fmt::format("build failed ({} in a row), retrying in {} ms: {}",
                         provider_failures_, delay.count(), error.message());
  spdlog::error("{}", problem_);
  g.status = store::GenerationStatus::kFailed;
  g.stopped_at = clock_.Now();
  g.stop_reason = error.message();
  HEIMDALL_RETURN_IF_ERROR(store_.UpdateGeneration(g));
  return SaveHealState();
}

bool Controller::Destroying() const {
  return open_heal_ && open_heal_->phase == "destroying";
}

Duration Controller::BackOffAfterFailure() {
  ++provider_failures_;
  const Duration delay = BackoffDelay(options_.policy.backoff,
                                      provider_failures_, &heal_state_.rng);
  retry_not_before_ = clock_.Now() + delay;
  return delay;
}

Status Controller::FinishHeal(int64_t generation_id) {
  open_heal_->phase = "done";
  open_heal_->to_generation = generation_id;
  open_heal_->ended_at = clock_.Now();
  open_heal_->outcome = "ok";
  HEIMDALL_RETURN_IF_ERROR(store_.UpdateHealAction(*open_heal_));
  ++heals_;
  spdlog::info("heal {} done: generation {} -> {} in {} ms (MTTR)",
               open_heal_->id, open_heal_->from_generation, generation_id,
               open_heal_->duration().count());
  Emit(HealEvent::Kind::kDone, heal_reason_, std::nullopt,
       open_heal_->duration());
  open_heal_.reset();
  return Status::Ok();
}

Status Controller::UpdatePhase(store::HealAction& action, std::string phase) {
  action.phase = std::move(phase);
  HEIMDALL_RETURN_IF_ERROR(store_.UpdateHealAction(action));
  HealPhaseReached(action.phase);
  return Status::Ok();
}

void Controller::HealPhaseReached(std::string_view phase) {
  // A heal can outlast many polls (a Terraform apply takes minutes): the
  // API must not go on showing the generation being replaced as watched.
  Publish();
  if (options_.after_heal_phase) options_.after_heal_phase(phase);
}

Status Controller::SetGenerationStopped(int64_t id,
                                        store::GenerationStatus status,
                                        const std::string& reason) {
  Result<std::optional<store::Generation>> generation =
      store_.GetGeneration(id);
  if (!generation.ok()) return generation.status();
  if (!generation->has_value()) return Status::Ok();
  store::Generation& g = **generation;
  g.status = status;
  g.stopped_at = clock_.Now();
  g.stop_reason = reason;
  return store_.UpdateGeneration(g);
}

}  // namespace heimdall::healer
